package org.nifiltx.core.video;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.FileImageOutputStream;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * Writes an animated GIF with the JDK's GIFImageWriter: each full frame gets its own palette (the writer quantizes
 * RGB itself), a Graphic Control Extension delay and a NETSCAPE2.0 block that loops forever.
 */
final class GifEncoder {
    private static final String FORMAT = "javax_imageio_gif_image_1.0";

    private GifEncoder() {
    }

    /**
     * The per-frame delay in centiseconds (GIF's only time unit): 100 / fps rounded, at least 2 because browsers
     * replace 0 and 1 by 10. So 25 fps is exact (4 cs) but 24 fps plays at 25 and 30 fps at 33.3.
     */
    static int delayCentiseconds(final FrameRate frameRate) {
        final long delay = Math.round(100.0 * frameRate.denominator() / frameRate.numerator());
        return (int) Math.max(2, Math.min(65535, delay));
    }

    static void write(final Path file, final RgbFrames frames, final FrameRate frameRate) throws IOException {
        // not ImageIO.createImageOutputStream(File): it answers null, not the reason, when the file cannot be created
        try (ImageOutputStream out = new FileImageOutputStream(file.toFile())) {
            write(out, frames, frameRate);
        }
    }

    /** Writes into a stream (a FlowFile's content); the GIF writer never seeks back, so nothing is cached. */
    static void write(final OutputStream stream, final RgbFrames frames, final FrameRate frameRate) throws IOException {
        final ImageOutputStream out = new MemoryCacheImageOutputStream(stream) {
            @Override
            public void write(final byte[] b, final int off, final int len) throws IOException {
                super.write(b, off, len);
                flushBefore(getStreamPosition());
            }
        };
        try {
            write(out, frames, frameRate);
        } finally {
            out.close(); // flushes; the underlying stream stays open, as its owner expects
        }
    }

    private static void write(final ImageOutputStream out, final RgbFrames frames, final FrameRate frameRate) throws IOException {
        final Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("gif");
        if (!writers.hasNext()) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED, "this JDK has no ImageIO GIF writer");
        }
        final ImageWriter writer = writers.next();
        final String delay = Integer.toString(delayCentiseconds(frameRate));
        try {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            for (int frame = 0; frame < frames.count(); frame++) {
                final IIOImage image = new IIOImage(frames.image(frame), null, null);
                final ImageWriteParam param = writer.getDefaultWriteParam();
                final IIOMetadata metadata = writer.getDefaultImageMetadata(
                        ImageTypeSpecifier.createFromRenderedImage(image.getRenderedImage()), param);
                describeFrame(metadata, delay, frame == 0);
                image.setMetadata(metadata);
                writer.writeToSequence(image, param);
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
    }

    private static void describeFrame(final IIOMetadata metadata, final String delay, final boolean first)
            throws IOException {
        final IIOMetadataNode root = (IIOMetadataNode) metadata.getAsTree(FORMAT);
        final IIOMetadataNode control = child(root, "GraphicControlExtension");
        // Every frame covers the whole canvas, so nothing needs restoring between frames.
        control.setAttribute("disposalMethod", "none");
        control.setAttribute("userInputFlag", "FALSE");
        control.setAttribute("transparentColorFlag", "FALSE");
        control.setAttribute("delayTime", delay);
        control.setAttribute("transparentColorIndex", "0");
        if (first) {
            final IIOMetadataNode extensions = child(root, "ApplicationExtensions");
            final IIOMetadataNode loop = new IIOMetadataNode("ApplicationExtension");
            loop.setAttribute("applicationID", "NETSCAPE");
            loop.setAttribute("authenticationCode", "2.0");
            // Sub-block 1, loop count 0 (little-endian) = loop forever.
            loop.setUserObject(new byte[] {1, 0, 0});
            extensions.appendChild(loop);
        }
        metadata.setFromTree(FORMAT, root);
    }

    private static IIOMetadataNode child(final IIOMetadataNode root, final String name) {
        for (int i = 0; i < root.getLength(); i++) {
            if (root.item(i).getNodeName().equalsIgnoreCase(name)) {
                return (IIOMetadataNode) root.item(i);
            }
        }
        final IIOMetadataNode node = new IIOMetadataNode(name);
        root.appendChild(node);
        return node;
    }
}
