package org.nifiltx.nifi.service;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.nifi.components.ConfigVerificationResult;
import org.apache.nifi.components.ConfigVerificationResult.Outcome;
import org.nifiltx.core.backend.Backend;
import org.nifiltx.core.backend.LatentUpsamplerModel;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.pipeline.LtxModels;
import org.nifiltx.core.text.TextEncoderModel;

/**
 * Verify's steps for the sessions: each {@link ModelPart} is built on its own and closed again, and reported with its
 * build time, or why it failed or was not built.
 */
final class PartVerification {
    private final ServiceConfiguration configuration;
    private final LtxCheckpoint checkpoint;
    private final Backend backend;
    private final List<ConfigVerificationResult> results;

    /** {@code checkpoint} and {@code backend} are null where their own step failed. */
    PartVerification(final ServiceConfiguration configuration, final LtxCheckpoint checkpoint, final Backend backend,
            final List<ConfigVerificationResult> results) {
        this.configuration = configuration;
        this.checkpoint = checkpoint;
        this.backend = backend;
        this.results = results;
    }

    void run() {
        // Files that cannot be read fail their own step, in the parts' order.
        final Map<ModelPart, String> unreadable = new EnumMap<>(ModelPart.class);
        TextEncoderModel textEncoder = null;
        if (checkpoint != null) {
            try {
                textEncoder = configuration.openTextEncoder(checkpoint);
            } catch (final LtxException e) {
                unreadable.put(ModelPart.TEXT_ENCODER, e.getMessage());
            }
        }
        LatentUpsamplerModel upsampler = null;
        if (configuration.upsamplerPath() != null) {
            try {
                upsampler = LatentUpsamplerModel.open(configuration.upsamplerPath());
            } catch (final LtxException e) {
                unreadable.put(ModelPart.LATENT_UPSAMPLER, "cannot read the Latent Upsampler Path "
                        + configuration.upsamplerPath() + ": " + e.getMessage());
            }
        }
        for (final ModelPart part : ModelPart.values()) {
            if (unreadable.containsKey(part)) {
                results.add(StandardLtxVideoModelService.result(part.displayName(), Outcome.FAILED, unreadable.get(part)));
                continue;
            }
            if (backend == null || checkpoint == null) {
                skip(part, "not built: the " + (checkpoint == null ? "checkpoint" : "backend") + " failed");
                continue;
            }
            // A fresh LtxModels per part: closing it frees that one session before the next is built.
            try (LtxModels scratch = new LtxModels(checkpoint, textEncoder, upsampler, backend, configuration.options())) {
                if (!part.configured(scratch)) {
                    skip(part, part == ModelPart.TEXT_ENCODER ? "no text encoder: EncodePrompt will fail"
                            : "no Latent Upsampler Path: GenerateLatents cannot run Multi-Scale");
                    continue;
                }
                final long millis = part.build(scratch);
                results.add(StandardLtxVideoModelService.result(part.displayName(), Outcome.SUCCESSFUL,
                        (part == ModelPart.TEXT_ENCODER ? "T5 d_model " + textEncoder.config().dModel() + ", " : "")
                                + "built in " + millis + " ms"));
            } catch (final LtxException e) {
                results.add(StandardLtxVideoModelService.result(part.displayName(), Outcome.FAILED, e.getMessage()));
            } catch (final RuntimeException | OutOfMemoryError e) {
                results.add(StandardLtxVideoModelService.result(part.displayName(), Outcome.FAILED, e.toString()));
            }
        }
    }

    private void skip(final ModelPart part, final String explanation) {
        results.add(StandardLtxVideoModelService.result(part.displayName(), Outcome.SKIPPED, explanation));
    }
}
