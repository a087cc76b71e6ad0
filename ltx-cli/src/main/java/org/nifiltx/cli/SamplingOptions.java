package org.nifiltx.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.pipeline.Compat;
import org.nifiltx.core.pipeline.Defaults;
import org.nifiltx.core.pipeline.GenerationRequest;
import org.nifiltx.core.pipeline.GuidanceSchedule;
import org.nifiltx.core.pipeline.PassSettings;
import org.nifiltx.core.pipeline.PipelineConfig;
import picocli.CommandLine.Option;

/**
 * The sampling options of {@code ltx generate}: an official pipeline config and the guidance, schedule and sampler
 * options that override it. Without a config the options alone describe the passes, with the defaults of the distilled
 * 0.9.8 models (guidance off). Guidance options apply to every pass; the skip options to the first pass; the tone map
 * to the pass that is decoded.
 */
final class SamplingOptions {

    @Option(names = "--pipeline-config", description = "official pipeline config (configs/ltxv-*.yaml); explicit options override "
            + "its values, and its checkpoint, upsampler and text encoder paths (relative to the YAML) are the defaults of --model, "
            + "--upsampler and --text-encoder")
    Path pipelineConfig;

    @Option(names = "--guidance-timesteps", split = ",", description = "comma list of decreasing flow times starting guidance "
            + "intervals: a step at time t uses the first interval whose start <= t")
    List<Double> guidanceTimesteps;

    @Option(names = "--guidance-scale", split = ",", description = "classifier-free guidance, > 1 turns it on; one value or one "
            + "per guidance timestep (default " + Defaults.GUIDANCE_SCALE + ")")
    List<Double> guidanceScale;

    @Option(names = "--stg-scale", split = ",", description = "spatio-temporal guidance, > 0 turns it on; one value or one per "
            + "guidance timestep (default " + Defaults.STG_SCALE + ")")
    List<Double> stgScale;

    @Option(names = "--stg-blocks", description = "transformer blocks STG skips: a comma list, or ';'-separated comma lists "
            + "per guidance interval (e.g. ';11,25;22;28')")
    String stgBlocks;

    @Option(names = "--rescale", split = ",", description = "official: STG rescaling; diffusers: guidance_rescale; one value or "
            + "one per guidance timestep (default: " + Defaults.OFFICIAL_RESCALE + " official, " + Defaults.DIFFUSERS_RESCALE
            + " diffusers)")
    List<Double> rescale;

    @Option(names = "--cfg-star", negatable = true, description = "CFG-zero* rescale of the unconditional prediction "
            + "(official cfg_star_rescale); --no-cfg-star turns a config's off")
    Boolean cfgStar;

    @Option(names = "--stochastic", negatable = true, description = "stochastic sampling: each step re-noises the predicted clean "
            + "latents (official stochastic_sampling); --no-stochastic turns a config's off")
    Boolean stochastic;

    @Option(names = "--tone-map", paramLabel = "RATIO", description = "tone map compression ratio in [0, 1] before decoding")
    Double toneMap;

    @Option(names = "--skip-initial-steps", paramLabel = "N", description = "drop the first N computed steps (needs input latents)")
    Integer skipInitialSteps;

    @Option(names = "--skip-final-steps", paramLabel = "N", description = "drop the last N computed steps of the first pass")
    Integer skipFinalSteps;

    /** Parses --stg-blocks: ';' separates intervals, ',' blocks; an empty interval skips nothing. */
    static List<List<Integer>> parseBlocks(final String text) {
        final List<List<Integer>> intervals = new ArrayList<>();
        for (final String interval : text.split(";", -1)) {
            final List<Integer> blocks = new ArrayList<>();
            if (!interval.isBlank()) {
                for (final String block : interval.split(",", -1)) {
                    try {
                        blocks.add(Integer.parseInt(block.strip()));
                    } catch (final NumberFormatException e) {
                        throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "--stg-blocks must be comma lists of block indices, "
                                + "';' between guidance intervals, got '" + text + "'");
                    }
                }
            }
            intervals.add(List.copyOf(blocks));
        }
        return List.copyOf(intervals);
    }

    /**
     * The passes of the request: the config's, or the defaults (the rescale that of {@code compat}), with the explicit
     * options on top. Every value is checked here, before any model is opened.
     */
    void apply(final GenerationRequest.Builder builder, final PipelineConfig config, final Integer steps,
            final List<Double> timesteps, final List<Double> secondPassTimesteps, final boolean multiScale, final Compat compat) {
        final GuidanceSchedule defaultGuidance = GuidanceSchedule.constant(Defaults.GUIDANCE_SCALE, Defaults.STG_SCALE,
                Defaults.rescale(compat), List.of());
        PassSettings first = config != null ? config.firstPass()
                : PassSettings.of(Defaults.STEPS, Defaults.TIMESTEPS, defaultGuidance);
        if (steps != null) {
            first = new PassSettings(steps, null, first.sampler(), first.guidance(), first.skipInitialSteps(), first.skipFinalSteps(),
                    first.cfgStar(), first.stochastic(), first.toneMap());
        } else if (timesteps != null) {
            // an explicit list replaces the computed schedule the config's skip counts sliced
            first = new PassSettings(timesteps.size(), timesteps, first.sampler(), first.guidance(), 0, 0, first.cfgStar(),
                    first.stochastic(), first.toneMap());
        }
        first = override(first, true);
        PassSettings second = null;
        if (multiScale) {
            second = config != null && config.secondPass().isPresent() ? config.secondPass().get()
                    : new PassSettings(0, Defaults.SECOND_PASS_TIMESTEPS, null, first.guidance(), 0, 0, first.cfgStar(),
                            first.stochastic(), 0.0);
            if (secondPassTimesteps != null) {
                second = new PassSettings(secondPassTimesteps.size(), secondPassTimesteps, second.sampler(), second.guidance(), 0, 0,
                        second.cfgStar(), second.stochastic(), second.toneMap());
            }
            second = override(second, false);
        }
        if (toneMap != null) {
            if (multiScale) {
                second = second.withToneMap(toneMap);
            } else {
                first = first.withToneMap(toneMap);
            }
        }
        first.validate(multiScale ? "first pass: " : "", false);
        if (second != null) {
            second.validate("second pass: ", true);
        }
        final GuidanceSchedule.Step start = first.guidance().at(1f);
        builder.firstPass(first).secondPass(second).guidanceScale(start.guidanceScale()).stgScale(start.stgScale())
                .rescale(start.rescale()).stgBlocks(start.stgBlocks());
        if (first.timesteps() == null) {
            builder.steps(first.steps()).timesteps(null);
        } else {
            builder.timesteps(first.timesteps());
        }
    }

    /** The explicit guidance options replace their part of the pass's schedule; flags switch features on or off. */
    private PassSettings override(final PassSettings pass, final boolean firstPass) {
        final GuidanceSchedule base = pass.guidance();
        final boolean guidanceGiven = guidanceTimesteps != null || guidanceScale != null || stgScale != null || rescale != null
                || stgBlocks != null;
        final GuidanceSchedule guidance = !guidanceGiven ? base : new GuidanceSchedule(
                guidanceTimesteps != null ? guidanceTimesteps : base.guidanceTimesteps(),
                guidanceScale != null ? guidanceScale : base.guidanceScale(),
                stgScale != null ? stgScale : base.stgScale(),
                rescale != null ? rescale : base.rescale(),
                stgBlocks != null ? parseBlocks(stgBlocks) : base.stgBlocks());
        final int skipInitial = firstPass && skipInitialSteps != null ? skipInitialSteps : pass.skipInitialSteps();
        final int skipFinal = firstPass && skipFinalSteps != null ? skipFinalSteps : pass.skipFinalSteps();
        return new PassSettings(pass.steps(), pass.timesteps(), pass.sampler(), guidance, skipInitial, skipFinal,
                cfgStar != null ? cfgStar : pass.cfgStar(), stochastic != null ? stochastic : pass.stochastic(), pass.toneMap());
    }
}
