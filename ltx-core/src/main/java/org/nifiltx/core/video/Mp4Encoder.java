package org.nifiltx.core.video;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.jcodec.codecs.h264.H264Encoder;
import org.jcodec.common.Codec;
import org.jcodec.common.MuxerTrack;
import org.jcodec.common.VideoCodecMeta;
import org.jcodec.common.VideoEncoder.EncodedFrame;
import org.jcodec.common.io.NIOUtils;
import org.jcodec.common.io.SeekableByteChannel;
import org.jcodec.common.model.ColorSpace;
import org.jcodec.common.model.Packet;
import org.jcodec.common.model.Packet.FrameType;
import org.jcodec.common.model.Picture;
import org.jcodec.common.model.Size;
import org.jcodec.containers.mp4.muxer.MP4Muxer;
import org.jcodec.scale.RgbToYuv420p;

/**
 * Writes H.264 Baseline yuv420p in MP4 with jcodec, which is pure Java and so keeps ltx-core native-free.
 *
 * <p>Timing: each sample is stamped with timescale = frame-rate numerator and duration = denominator, so 25 fps is
 * timescale 25 / duration 1 and 30000/1001 is timescale 30000 / duration 1001: exact, with no rounding drift.
 *
 * <p>Colour: jcodec's {@code SequenceEncoder} feeds the encoder full-range (JPEG) YUV but writes no full-range flag,
 * so players, which assume limited range for an untagged stream, show it with crushed blacks and whites. This class
 * therefore converts RGB to limited-range BT.601 YUV itself ({@link RgbToYuv420p}) and drives the encoder and muxer
 * directly; the encoder only checks the colour-space tag, not the sample range.
 *
 * <p>Size: H.264 4:2:0 can only signal even picture sizes (the SPS crop is counted in pairs of pixels). An even size is
 * written exactly (the encoder crops its 16-pixel macroblock padding in the SPS). An odd width or height is padded by
 * one column / row that repeats the last one, so the file is (W+1)x(H+1) at most and no input pixel is lost; the
 * reader returns that padded size. {@link #encodedSize} says what a given size becomes.
 */
final class Mp4Encoder {
    private Mp4Encoder() {
    }

    /** The width or height stored in the MP4 for an input width or height: rounded up to even. */
    static int encodedSize(final int size) {
        return (size + 1) & ~1;
    }

    static void write(final Path file, final RgbFrames frames, final FrameRate frameRate) throws IOException {
        try (SeekableByteChannel channel = NIOUtils.writableChannel(file.toFile())) {
            write(channel, frames, frameRate);
        }
    }

    /** Muxes into {@code channel}, which must seek: the muxer fills in the media box size after the samples. */
    static void write(final SeekableByteChannel channel, final RgbFrames frames, final FrameRate frameRate) throws IOException {
        final int width = encodedSize(frames.width());
        final int height = encodedSize(frames.height());
        final MP4Muxer muxer = MP4Muxer.createMP4MuxerToChannel(channel);
        final MuxerTrack track = muxer.addVideoTrack(Codec.H264,
                VideoCodecMeta.createSimpleVideoCodecMeta(new Size(width, height), ColorSpace.YUV420J));
        final H264Encoder encoder = H264Encoder.createH264Encoder();
        final RgbToYuv420p toYuv = new RgbToYuv420p();
        final Picture rgb = Picture.create(width, height, ColorSpace.RGB);
        final Picture yuv = Picture.create(width, height, ColorSpace.YUV420);
        // Same planes, tagged as the encoder demands; the samples stay limited range.
        final Picture encoderInput = Picture.createPicture(width, height, yuv.getData(), ColorSpace.YUV420J);
        final ByteBuffer buffer = ByteBuffer.allocate(encoder.estimateBufferSize(encoderInput));
        for (int frame = 0; frame < frames.count(); frame++) {
            fill(rgb, frames, frame);
            toYuv.transform(rgb, yuv);
            buffer.clear();
            final EncodedFrame encoded = encoder.encodeFrame(encoderInput, buffer);
            final long timestamp = (long) frame * frameRate.denominator();
            track.addFrame(Packet.createPacket(NIOUtils.clone(encoded.getData()), timestamp,
                    frameRate.numerator(), frameRate.denominator(), frame,
                    encoded.isKeyFrame() ? FrameType.KEY : FrameType.INTER, null));
        }
        muxer.finish();
    }

    /** Copies one frame into jcodec's packed RGB plane, whose samples are signed (value - 128). */
    private static void fill(final Picture picture, final RgbFrames frames, final int frame) {
        final byte[] plane = picture.getPlaneData(0);
        final int width = picture.getWidth();
        final int height = picture.getHeight();
        int target = 0;
        for (int y = 0; y < height; y++) {
            // Clamping the source row and column replicates the last row / column into the padding.
            final int sourceY = Math.min(y, frames.height() - 1);
            for (int x = 0; x < width; x++) {
                final int source = frames.offset(frame, sourceY, Math.min(x, frames.width() - 1));
                plane[target] = (byte) (frames.sample(source) - 128);
                plane[target + 1] = (byte) (frames.sample(source + 1) - 128);
                plane[target + 2] = (byte) (frames.sample(source + 2) - 128);
                target += 3;
            }
        }
    }
}
