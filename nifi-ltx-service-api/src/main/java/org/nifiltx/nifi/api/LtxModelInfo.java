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
 */
public record LtxModelInfo(int latentChannels, int spatialCompression, int temporalCompression, int captionChannels,
        boolean textEncoderAvailable, boolean upsamplerAvailable, String modelName) {

    /** A model without a name of its own ("LTX-Video"). */
    public LtxModelInfo(final int latentChannels, final int spatialCompression, final int temporalCompression,
            final int captionChannels, final boolean textEncoderAvailable, final boolean upsamplerAvailable) {
        this(latentChannels, spatialCompression, temporalCompression, captionChannels, textEncoderAvailable, upsamplerAvailable,
                "LTX-Video");
    }
}
