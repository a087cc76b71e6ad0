package org.nifiltx.core.checkpoint;

/**
 * One entry of the original VAE block list, e.g. {@code ["res_x", {"num_layers": 4}]} or
 * {@code ["compress_all", {"residual": true, "multiplier": 2}]}.
 *
 * @param type        the block name as the original config spells it
 * @param numLayers   res blocks in a {@code res_x} group (1 for other types)
 * @param multiplier  channel multiplier of a compress/upsample block (1 when absent)
 * @param residual    whether an upsampler adds the pixel-shuffled input
 * @param injectNoise whether a decoder res group injects noise (0.9.1)
 */
public record VaeBlock(String type, int numLayers, int multiplier, boolean residual, boolean injectNoise) {

    /** (time, height, width) factor by which a compress block down- or upsamples. */
    public long[] stride() {
        if (type.startsWith("compress_time")) {
            return new long[] {2, 1, 1};
        }
        if (type.startsWith("compress_space")) {
            return new long[] {1, 2, 2};
        }
        return new long[] {2, 2, 2};
    }
}
