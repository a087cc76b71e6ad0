package org.nifiltx.core.inspect;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nifiltx.core.backend.Backend;
import org.nifiltx.core.backend.Component;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.WeightReads;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.text.TextEncoderModel;

/**
 * Whether a model holds every weight its graphs read, in the shape its config implies, component by component. The
 * list of what is read comes from the backend building the graphs ({@link Backend#requiredWeights}), so
 * {@code ltx inspect} and the early check of {@code generate} / {@code run} judge by what a run would load.
 */
public final class WeightAudit {
    /** How many keys a message names per problem before "and N more". */
    static final int LISTED = 3;

    /**
     * One component's verdict.
     *
     * @param component what was checked
     * @param required  weights its graph reads (0: the backend cannot tell, nothing was checked)
     * @param missing   weights the model lacks, with the implied shape
     * @param misshaped weights of another shape, with the shape found and the one implied
     */
    public record Finding(Component component, int required, List<String> missing, List<String> misshaped) {
        public boolean complete() {
            return missing.isEmpty() && misshaped.isEmpty();
        }

        /** The inspect entry: counts and every problem. */
        public Map<String, Object> describe() {
            final Map<String, Object> m = new LinkedHashMap<>();
            if (required == 0) {
                m.put("checked", false);
                return m;
            }
            m.put("required", required);
            m.put("complete", complete());
            m.put("missing", missing);
            m.put("misshaped", misshaped);
            return m;
        }

        /**
         * E.g. "transformer lacks 1 of 65 weights (proj_out.weight [16, 32]) and has 1 in another shape (...)", or null
         * when complete.
         */
        String problem() {
            final List<String> parts = new ArrayList<>();
            if (!missing.isEmpty()) {
                parts.add("lacks " + missing.size() + " of " + required + " weights (" + listed(missing) + ")");
            }
            if (!misshaped.isEmpty()) {
                parts.add("has " + misshaped.size() + (parts.isEmpty() ? " of " + required + " weights" : "")
                        + " in another shape (" + listed(misshaped) + ")");
            }
            return parts.isEmpty() ? null : component.cliName() + " " + String.join(" and ", parts);
        }
    }

    private WeightAudit() {
    }

    /** Compares what a graph reads against {@code store}, the root store of the component. */
    public static Finding of(final Component component, final WeightStore store, final List<WeightReads.Read> reads) {
        final List<String> missing = new ArrayList<>();
        final List<String> misshaped = new ArrayList<>();
        for (final WeightReads.Read read : reads) {
            final Optional<Tensor> found = store.find(read.key());
            final String implied = read.shape() == null ? "" : " " + Tensor.shapeString(read.shape());
            if (found.isEmpty()) {
                missing.add(read.key() + implied);
            } else if (read.shape() != null && !Arrays.equals(found.get().shape(), read.shape())) {
                misshaped.add(read.key() + " " + Tensor.shapeString(found.get().shape()) + " where the config implies" + implied);
            }
        }
        return new Finding(component, reads.size(), List.copyOf(missing), List.copyOf(misshaped));
    }

    /** The checkpoint's {@code components} (transformer, vae-decode, vae-encode) as {@code backend} builds them. */
    public static List<Finding> checkpoint(final Backend backend, final LtxCheckpoint checkpoint, final Component... components) {
        final List<Finding> findings = new ArrayList<>();
        for (final Component component : components) {
            final WeightStore store = component == Component.TRANSFORMER ? checkpoint.transformerWeights() : checkpoint.vaeWeights();
            findings.add(of(component, store, backend.requiredWeights(component, checkpoint)));
        }
        return findings;
    }

    /** The T5 text encoder on {@code weights}. */
    public static Finding textEncoder(final Backend backend, final T5Config config, final WeightStore weights) {
        return of(Component.TEXT_ENCODER, weights, backend.requiredTextEncoderWeights(config, weights));
    }

    /**
     * What a generation loads: the transformer, the VAE decoder, the VAE encoder when it encodes images
     * ({@code encodesImages}) and the text encoder when there is one.
     */
    public static List<Finding> generation(final Backend backend, final LtxCheckpoint checkpoint, final TextEncoderModel textEncoder,
            final boolean encodesImages) {
        final List<Finding> findings = new ArrayList<>(encodesImages
                ? checkpoint(backend, checkpoint, Component.TRANSFORMER, Component.VAE_DECODE, Component.VAE_ENCODE)
                : checkpoint(backend, checkpoint, Component.TRANSFORMER, Component.VAE_DECODE));
        if (textEncoder != null) {
            findings.add(textEncoder(backend, textEncoder.config(), textEncoder.weights()));
        }
        return findings;
    }

    /** "incomplete weights: ..." naming every component with a problem, or empty when all are complete. */
    public static Optional<String> problems(final List<Finding> findings) {
        final List<String> problems = findings.stream().map(Finding::problem).filter(p -> p != null).toList();
        return problems.isEmpty() ? Optional.empty() : Optional.of("incomplete weights: " + String.join("; ", problems));
    }

    /** A {@link LtxErrorCode#CHECKPOINT_MISMATCH} error with {@link #problems} when any finding is incomplete. */
    public static void requireComplete(final List<Finding> findings) {
        problems(findings).ifPresent(message -> {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, message);
        });
    }

    private static String listed(final List<String> items) {
        final String named = String.join(", ", items.subList(0, Math.min(LISTED, items.size())));
        return items.size() > LISTED ? named + " and " + (items.size() - LISTED) + " more" : named;
    }
}
