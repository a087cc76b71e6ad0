package org.nifiltx.core.video;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.jcodec.codecs.h264.H264Decoder;
import org.jcodec.common.DemuxerTrack;
import org.jcodec.common.io.NIOUtils;
import org.jcodec.common.io.SeekableByteChannel;
import org.jcodec.common.model.ColorSpace;
import org.jcodec.common.model.Picture;
import org.jcodec.common.model.Rect;
import org.jcodec.containers.mp4.MP4Packet;
import org.jcodec.containers.mp4.demuxer.AbstractMP4DemuxerTrack;
import org.jcodec.containers.mp4.demuxer.MP4Demuxer;
import org.jcodec.scale.ColorUtil;
import org.jcodec.scale.Transform;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;

/**
 * Reads the H.264 video track of an MP4 with jcodec's demuxer and decoder. The YUV to RGB step uses jcodec's own
 * {@link Transform} rather than jcodec-javase's AWT helpers, so no AWT image classes are involved. Only streams
 * without B-frames are supported (decode order is taken as display order), which covers every file this project
 * writes.
 */
final class Mp4Decoder {
    private Mp4Decoder() {
    }

    static DecodedVideo read(final Path file) throws IOException {
        try (SeekableByteChannel channel = NIOUtils.readableChannel(file.toFile())) {
            final MP4Demuxer demuxer = MP4Demuxer.createMP4Demuxer(channel);
            final DemuxerTrack videoTrack = demuxer.getVideoTrack();
            if (!(videoTrack instanceof AbstractMP4DemuxerTrack track)) {
                throw new LtxException(LtxErrorCode.CORRUPT_FILE, "MP4 file " + file + " has no video track");
            }
            final H264Decoder decoder = H264Decoder.createH264DecoderFromCodecPrivate(track.getMeta().getCodecPrivate());
            final ByteArrayOutputStream pixels = new ByteArrayOutputStream();
            long firstDuration = -1;
            long totalDuration = 0;
            boolean uniform = true;
            int count = 0;
            int width = -1;
            int height = -1;
            byte[][] buffer = null;
            MP4Packet packet;
            while ((packet = (MP4Packet) track.nextFrame()) != null) {
                if (buffer == null) {
                    buffer = decodeBuffer(track);
                }
                final Picture picture = decoder.decodeFrame(packet.getData(), buffer);
                if (picture == null) {
                    throw new LtxException(LtxErrorCode.CORRUPT_FILE,
                            "MP4 file " + file + ": cannot decode video sample " + count);
                }
                final byte[] rgb = toRgb(picture);
                final Rect crop = picture.getCrop();
                final int frameWidth = crop == null ? picture.getWidth() : crop.getWidth();
                final int frameHeight = crop == null ? picture.getHeight() : crop.getHeight();
                if (count == 0) {
                    width = frameWidth;
                    height = frameHeight;
                    firstDuration = packet.getDuration();
                } else if (frameWidth != width || frameHeight != height) {
                    throw new LtxException(LtxErrorCode.UNSUPPORTED, "MP4 file " + file + " changes frame size from "
                            + width + "x" + height + " to " + frameWidth + "x" + frameHeight);
                }
                uniform &= packet.getDuration() == firstDuration;
                totalDuration += packet.getDuration();
                pixels.write(rgb);
                count++;
            }
            if (count == 0) {
                throw new LtxException(LtxErrorCode.CORRUPT_FILE, "MP4 file " + file + " holds no video frames");
            }
            final int timescale = (int) track.getTimescale();
            // Uniform sample durations give the exact rate; otherwise fall back to the average.
            final FrameRate frameRate = uniform
                    ? new FrameRate(timescale, (int) firstDuration)
                    : FrameRate.of((double) count * timescale / totalDuration);
            final Tensor frames = Tensor.ofBytes(DType.U8, new long[] {count, height, width, 3}, pixels.toByteArray());
            return new DecodedVideo(frames, frameRate);
        }
    }

    /** Planes big enough for the macroblock-aligned picture the SPS describes. */
    private static byte[][] decodeBuffer(final AbstractMP4DemuxerTrack track) {
        final int width = track.getMeta().getVideoCodecMeta().getSize().getWidth();
        final int height = track.getMeta().getVideoCodecMeta().getSize().getHeight();
        final int alignedWidth = (width + 15) & ~15;
        final int alignedHeight = (height + 15) & ~15;
        return Picture.create(alignedWidth, alignedHeight, ColorSpace.YUV444).getData();
    }

    /** The cropped picture as packed unsigned RGB bytes. */
    private static byte[] toRgb(final Picture yuv) {
        final Picture rgb = Picture.create(yuv.getWidth(), yuv.getHeight(), ColorSpace.RGB);
        final Transform transform = ColorUtil.getTransform(yuv.getColor(), ColorSpace.RGB);
        transform.transform(yuv, rgb);
        final Rect crop = yuv.getCrop();
        final int left = crop == null ? 0 : crop.getX();
        final int top = crop == null ? 0 : crop.getY();
        final int width = crop == null ? yuv.getWidth() : crop.getWidth();
        final int height = crop == null ? yuv.getHeight() : crop.getHeight();
        final byte[] plane = rgb.getPlaneData(0);
        final byte[] out = new byte[width * height * 3];
        int target = 0;
        for (int y = 0; y < height; y++) {
            int source = ((top + y) * rgb.getWidth() + left) * 3;
            for (int i = 0; i < width * 3; i++) {
                // jcodec samples are signed (value - 128).
                out[target++] = (byte) (plane[source++] + 128);
            }
        }
        return out;
    }
}
