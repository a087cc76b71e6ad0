package org.nifiltx.core.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.Locale;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.schedule.FlowMatchEulerScheduler;
import org.nifiltx.core.schedule.RectifiedFlowConfig;
import org.nifiltx.core.schedule.RectifiedFlowScheduler;

/** The flow times a pass calls the transformer at, chosen from the request, the compat mode and the checkpoint. */
final class Schedules {
    private Schedules() {
    }

    /**
     * The flow times of {@code pass}: its explicit list as given, or {@code steps} from the scheduler (the checkpoint's,
     * or a plain one with the pass's sampler) sliced by the skip counts as rf.py's {@code retrieve_timesteps} does.
     * Official semantics refuse flow times a distilled checkpoint does not allow when {@code checkAllowed}.
     */
    static float[] forPass(final LtxCheckpoint checkpoint, final GenerationRequest request, final PassSettings pass, final long tokens,
            final boolean checkAllowed) {
        final float[] sigmas;
        final JsonNode config = checkpoint.schedulerConfig().orElse(null);
        final String kind = config == null ? "" : config.path("_class_name").asText("");
        if (pass.timesteps() != null) {
            sigmas = new RectifiedFlowScheduler().timesteps(pass.timesteps());
        } else if (pass.sampler() == null && (request.compat() == Compat.DIFFUSERS || kind.startsWith("FlowMatch"))) {
            final FlowMatchEulerScheduler scheduler = kind.startsWith("FlowMatch") ? new FlowMatchEulerScheduler(config)
                    : new FlowMatchEulerScheduler(FlowMatchEulerScheduler.LTX_VIDEO_CONFIG);
            sigmas = slice(Arrays.copyOf(scheduler.schedule(pass.steps(), tokens).sigmas(), pass.steps()), pass);
        } else {
            final RectifiedFlowScheduler scheduler;
            if (pass.sampler() != null) {
                // official inference.py: RectifiedFlowScheduler(sampler=...) with the constructor's other defaults
                scheduler = new RectifiedFlowScheduler(new RectifiedFlowConfig(RectifiedFlowConfig.DEFAULT.numTrainTimesteps(),
                        RectifiedFlowConfig.DEFAULT.shifting(), RectifiedFlowConfig.DEFAULT.baseResolution(), null, pass.sampler(),
                        Double.NaN));
            } else {
                scheduler = config == null ? new RectifiedFlowScheduler() : new RectifiedFlowScheduler(config);
            }
            sigmas = slice(scheduler.timesteps(pass.steps(), tokens), pass);
        }
        if (checkAllowed && request.compat() == Compat.OFFICIAL) {
            checkAllowed(checkpoint, sigmas);
        }
        return sigmas;
    }

    /** rf.py: {@code timesteps[skip_initial : len - skip_final]}. */
    static float[] slice(final float[] computed, final PassSettings pass) {
        return Arrays.copyOfRange(computed, pass.skipInitialSteps(), computed.length - pass.skipFinalSteps());
    }

    /** Distilled checkpoints list the timesteps they were trained for; the official pipeline refuses others. */
    private static void checkAllowed(final LtxCheckpoint checkpoint, final float[] sigmas) {
        final JsonNode allowed = checkpoint.allowedInferenceSteps().orElse(null);
        if (allowed == null || !allowed.isArray()) {
            return;
        }
        for (final float t : sigmas) {
            boolean found = false;
            for (final JsonNode a : allowed) {
                found |= Math.round(a.asDouble() * 10000) == Math.round(t * 10000.0);
            }
            if (!found) {
                throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, String.format(Locale.ROOT,
                        "timestep %.4f is not allowed by this distilled checkpoint (allowed: %s); pass --timesteps from that list",
                        t, allowed));
            }
        }
    }
}
