import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.nifiltx.core.video.DecodedVideo;
import org.nifiltx.core.video.VideoReader;

/**
 * Run by nifi-it.sh in source-file mode on ltx.jar's class path: checks that the file NiFi wrote is an MP4 (an ftyp
 * box first) and that our own reader decodes the expected frames. Arguments: file frames height width.
 */
public final class Mp4Check {
    private Mp4Check() {
    }

    public static void main(final String[] arguments) throws IOException {
        final Path file = Path.of(arguments[0]);
        final int frames = Integer.parseInt(arguments[1]);
        final int height = Integer.parseInt(arguments[2]);
        final int width = Integer.parseInt(arguments[3]);
        final byte[] header = new byte[12];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(header, 0, header.length) != header.length) {
                fail(file + " is shorter than an MP4 box header");
            }
        }
        // ISO BMFF: 4-byte box size, then the box type; an MP4 starts with 'ftyp' followed by its major brand.
        final String type = new String(header, 4, 4, StandardCharsets.US_ASCII);
        final String brand = new String(header, 8, 4, StandardCharsets.US_ASCII);
        if (!"ftyp".equals(type)) {
            fail(file + " does not start with an ftyp box: " + Arrays.toString(Arrays.copyOf(header, 8)));
        }
        final DecodedVideo video = VideoReader.read(file);
        System.out.println("mp4: " + Files.size(file) + " bytes, ftyp brand '" + brand + "', " + video.frameCount()
                + " frames " + video.width() + "x" + video.height() + ", frame rate "
                + video.optionalFrameRate().map(Object::toString).orElse("unknown"));
        if (video.frameCount() != frames || video.height() != height || video.width() != width) {
            fail("expected " + frames + " frames " + width + "x" + height);
        }
    }

    private static void fail(final String message) {
        System.err.println("Mp4Check: " + message);
        System.exit(1);
    }
}
