package org.nifiltx.core.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.Locale;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.schedule.FlowMatchEulerScheduler;
import org.nifiltx.core.schedule.RectifiedFlowScheduler;

/** The flow times a pass calls the transformer at, chosen from the request, the compat mode and the checkpoint. */
final class Schedules {
    private Schedules() {
    }

    static float[] firstPass(final LtxCheckpoint checkpoint, final GenerationRequest request, final long tokens) {
        final float[] sigmas;
        final JsonNode config = checkpoint.schedulerConfig().orElse(null);
        final String kind = config == null ? "" : config.path("_class_name").asText("");
        if (request.timesteps() != null) {
            sigmas = new RectifiedFlowScheduler().timesteps(request.timesteps());
        } else if (request.compat() == Compat.DIFFUSERS || kind.startsWith("FlowMatch")) {
            final FlowMatchEulerScheduler scheduler = kind.startsWith("FlowMatch") ? new FlowMatchEulerScheduler(config)
                    : new FlowMatchEulerScheduler(FlowMatchEulerScheduler.LTX_VIDEO_CONFIG);
            sigmas = Arrays.copyOf(scheduler.schedule(request.steps(), tokens).sigmas(), request.steps());
        } else {
            final RectifiedFlowScheduler scheduler = config == null ? new RectifiedFlowScheduler() : new RectifiedFlowScheduler(config);
            sigmas = scheduler.timesteps(request.steps(), tokens);
        }
        if (request.compat() == Compat.OFFICIAL) {
            checkAllowed(checkpoint, sigmas);
        }
        return sigmas;
    }

    static float[] secondPass(final GenerationRequest request) {
        return new RectifiedFlowScheduler().timesteps(request.secondPassTimesteps() == null
                ? GenerationRequest.DISTILLED_SECOND_PASS : request.secondPassTimesteps());
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
