package org.nifiltx.nifi.api;

/**
 * What processors need to know about the enabled model to build requests and check FlowFile tensors, all read from
 * the checkpoint's config.
 *
 * @param latentChannels       channels of the VAE latent space (the C of latents [1, C, F, h, w])
 * @param spatialCompression   pixels per latent along height and width
 * @param temporalCompression  frames per latent frame after the first
 * @param captionChannels      width of the prompt embeddings the transformer accepts (T5 d_model)
 * @param textEncoderAvailable whether prompts can be encoded
 * @param upsamplerAvailable   whether multi-scale generation can run
 * @param modelName            how provenance and logs name the model, e.g. the checkpoint's file name and version
 * @param placement            the backend, device and precision the model runs with on this node
 */
public record LtxModelInfo(int latentChannels, int spatialCompression, int temporalCompression, int captionChannels,
        boolean textEncoderAvailable, boolean upsamplerAvailable, String modelName, LtxPlacement placement) {

    /** A model on the CPU in fp32 (device 0): test doubles and services without a choice. */
    public static final LtxPlacement CPU_FP32 = new LtxPlacement("cpu", 0, "fp32");

    /** A named model on the CPU in fp32. */
    public LtxModelInfo(final int latentChannels, final int spatialCompression, final int temporalCompression,
            final int captionChannels, final boolean textEncoderAvailable, final boolean upsamplerAvailable,
            final String modelName) {
        this(latentChannels, spatialCompression, temporalCompression, captionChannels, textEncoderAvailable, upsamplerAvailable,
                modelName, CPU_FP32);
    }

    /** "ltxv-2b-0.9.8-distilled.safetensors (0.9.5+) on cuda:1 fp32": what provenance says made a FlowFile. */
    public String describe() {
        return modelName + " on " + placement.describe();
    }

    /** A model without a name of its own ("LTX-Video") on the CPU in fp32. */
    public LtxModelInfo(final int latentChannels, final int spatialCompression, final int temporalCompression,
            final int captionChannels, final boolean textEncoderAvailable, final boolean upsamplerAvailable) {
        this(latentChannels, spatialCompression, temporalCompression, captionChannels, textEncoderAvailable, upsamplerAvailable,
                "LTX-Video");
    }
}
