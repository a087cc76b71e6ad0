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
 */
public record LtxModelInfo(int latentChannels, int spatialCompression, int temporalCompression, int captionChannels,
        boolean textEncoderAvailable, boolean upsamplerAvailable) {
}
