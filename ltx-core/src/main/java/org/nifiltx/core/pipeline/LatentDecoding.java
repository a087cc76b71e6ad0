package org.nifiltx.core.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.latent.LatentFilters;
import org.nifiltx.core.latent.LatentNormalization;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.video.FramesPostprocess;

/** Decode noise, the tone map, the VAE decode at {@code decode_timestep}, the resize back to the requested size, uint8 frames. */
final class LatentDecoding {
    private LatentDecoding() {
    }

    static Tensor decode(final ComponentRunner decoder, final VaeConfig vae, final Tensor latents, final float[] mean, final float[] std,
            final DecodeSpec spec, final NoiseSource noise) {
        Tensor z = latents.toF32();
        if (vae.timestepConditioning() && spec.decodeNoiseScale() > 0) {
            final float s = (float) spec.decodeNoiseScale();
            final float[] eps = noise.draw(NoiseSource.DECODE_NOISE, latents.shape()).toFloatArray();
            if (spec.compat() == Compat.OFFICIAL) {
                z = mix(z, eps, s); // official: in normalised space
            } else {
                z = LatentNormalization.normalize(mix(LatentNormalization.denormalize(z, mean, std), eps, s), mean, std); // diffusers: raw
            }
        }
        if (spec.toneMap() > 0) {
            // official: on the normalised latents right before the VAE, after the decode noise
            z = LatentFilters.toneMap(z, spec.toneMap());
        }
        final Map<String, Tensor> inputs = new LinkedHashMap<>();
        inputs.put("latents_normalized", z);
        if (vae.timestepConditioning()) {
            inputs.put("decode_timestep", Tensor.ofFloats(new long[] {1}, new float[] {(float) spec.decodeTimestep()}));
        }
        // the video alone: its uint8 frames are made below with the spec's rounding
        Tensor video = decoder.run(TensorBundle.of(inputs), "video");
        if (video.dim(3) != spec.height() || video.dim(4) != spec.width() || video.dim(2) != spec.numFrames()) {
            video = resize(video, spec.numFrames(), spec.height(), spec.width());
        }
        return FramesPostprocess.toUint8(video, spec.compat() == Compat.DIFFUSERS ? FramesPostprocess.Rounding.ROUND
                : FramesPostprocess.Rounding.TRUNCATE);
    }

    private static Tensor mix(final Tensor latents, final float[] eps, final float s) {
        final float[] values = latents.toFloatArray();
        for (int i = 0; i < values.length; i++) {
            values[i] = values[i] * (1f - s) + s * eps[i];
        }
        return Tensor.ofFloats(latents.shape(), values);
    }

    /** Bilinear resize of every frame to the requested size and a crop to the requested frame count. */
    private static Tensor resize(final Tensor video, final int frames, final int height, final int width) {
        final int channels = (int) video.dim(1);
        final int sourceFrames = (int) video.dim(2);
        final int h = (int) video.dim(3);
        final int w = (int) video.dim(4);
        final float[] values = video.toFloatArray();
        final float[] out = new float[channels * frames * height * width];
        final float[] plane = new float[h * w];
        for (int c = 0; c < channels; c++) {
            for (int f = 0; f < Math.min(frames, sourceFrames); f++) {
                System.arraycopy(values, (c * sourceFrames + f) * h * w, plane, 0, h * w);
                final float[] resized = ImagePreprocess.resizeBilinear(plane, 1, h, w, height, width);
                System.arraycopy(resized, 0, out, (c * frames + f) * height * width, height * width);
            }
        }
        return Tensor.ofFloats(new long[] {1, channels, frames, height, width}, out);
    }
}
