package org.nifiltx.core.checkpoint;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * The decoder's block walk, written once: {@code decoder_blocks} in reverse (the last config entry is the mid block,
 * {@code up_blocks.0}) with each block's channels and upsampling. The ONNX decoder builds its graph from it and
 * {@link org.nifiltx.core.memory.VaeDecodeMemory} sizes activations from it.
 *
 * @param convInChannels channels after conv_in (the widest stage)
 * @param stages         up blocks in graph order
 * @param outChannels    channels entering the final norm and conv_out
 */
public record VaeDecoderPlan(long convInChannels, List<Stage> stages, long outChannels) {

    /**
     * One up block.
     *
     * @param index       its index in {@code up_blocks}
     * @param block       the config entry
     * @param inChannels  channels in
     * @param outChannels channels out
     * @param stride      (time, height, width) upsampling of a compress block; {1, 1, 1} otherwise
     */
    public record Stage(int index, VaeBlock block, long inChannels, long outChannels, long[] stride) {
        public boolean upsamples() {
            return block.type().startsWith("compress");
        }

        /** Channels the convolution of a compress block produces before the pixel shuffle. */
        public long convChannels() {
            return stride[0] * stride[1] * stride[2] * outChannels;
        }

        /** Frames, height, width after this block for {@code size} before it (a temporal ×2 drops the first frame). */
        public long[] outputSize(final long[] size) {
            return new long[] {stride[0] * size[0] - (stride[0] - 1), stride[1] * size[1], stride[2] * size[2]};
        }
    }

    public static VaeDecoderPlan of(final VaeConfig config) {
        final List<VaeBlock> blocks = new ArrayList<>(config.decoderBlocks());
        Collections.reverse(blocks);
        long channels = config.decoderBaseChannels();
        for (final VaeBlock block : blocks) {
            if (block.type().equals("res_x_y") || block.type().startsWith("compress")) {
                channels *= block.multiplier();
            }
        }
        final long top = channels;
        final List<Stage> stages = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            final VaeBlock block = blocks.get(i);
            final long in = channels;
            long[] stride = {1, 1, 1};
            switch (block.type()) {
                case "res_x" -> {
                }
                case "res_x_y" -> channels = in / block.multiplier();
                case "compress_time", "compress_space", "compress_all" -> {
                    channels = in / (block.type().equals("compress_all") ? block.multiplier() : 1);
                    stride = block.stride();
                }
                default -> throw new LtxException(LtxErrorCode.UNSUPPORTED,
                        "VAE decoder block '" + block.type() + "' is not supported");
            }
            stages.add(new Stage(i, block, in, channels, stride));
        }
        return new VaeDecoderPlan(top, List.copyOf(stages), channels);
    }
}
