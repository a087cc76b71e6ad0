package org.nifiltx.onnx.graph;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.nifiltx.core.checkpoint.Json;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.FloatFormats;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * fp8 activation ranges: per quantizable linear (by its weight key), the largest |input| seen while the fp32 graph
 * ran the calibration inputs ({@link NumericPolicy#calibrationProbe()}). The per-tensor activation scale is
 * amax / 448, so the largest calibrated input maps to e4m3's largest value and anything beyond saturates. Written as
 * JSON with sorted keys, so the same inputs give the same file byte for byte.
 */
public final class Fp8Calibration {
    /** Suffix of the probe graph's amax output for a linear: {@code weightKey + AMAX_SUFFIX}. */
    public static final String AMAX_SUFFIX = ".input_amax";
    static final String FORMAT = "nifi-ltx fp8 e4m3fn activation calibration";
    static final int VERSION = 1;

    private final SortedMap<String, Float> amax;
    private final int samples;

    private Fp8Calibration(final SortedMap<String, Float> amax, final int samples) {
        this.amax = Collections.unmodifiableSortedMap(amax);
        this.samples = samples;
    }

    public static Fp8Calibration of(final Map<String, Float> amax, final int samples) {
        return new Fp8Calibration(new TreeMap<>(amax), samples);
    }

    /** The ranges from probe-graph outputs, one bundle per calibration input: the max over all of them per linear. */
    public static Fp8Calibration fromProbeOutputs(final Iterable<TensorBundle> outputs) {
        final SortedMap<String, Float> amax = new TreeMap<>();
        int samples = 0;
        for (final TensorBundle bundle : outputs) {
            samples++;
            for (final Map.Entry<String, Tensor> e : bundle.tensors().entrySet()) {
                if (e.getKey().endsWith(AMAX_SUFFIX)) {
                    final String key = e.getKey().substring(0, e.getKey().length() - AMAX_SUFFIX.length());
                    amax.merge(key, e.getValue().toFloatArray()[0], Math::max);
                }
            }
        }
        return new Fp8Calibration(amax, samples);
    }

    /** The largest |input| of linear {@code weightKey} over the calibration inputs. */
    public float amax(final String weightKey) {
        final Float value = amax.get(weightKey);
        if (value == null) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, "the fp8 calibration has no activation range for '"
                    + weightKey + "' (calibrated on another model?); delete the calibration file to recalibrate");
        }
        return value;
    }

    /** QuantizeLinear's per-tensor scale for linear {@code weightKey}: amax / 448 (1 for an all-zero input). */
    public float scale(final String weightKey) {
        final float a = amax(weightKey);
        return a > 0 && Float.isFinite(a) ? a / FloatFormats.F8E4M3_MAX : 1f;
    }

    public Map<String, Float> ranges() {
        return amax;
    }

    /** How many inputs the ranges were taken over. */
    public int samples() {
        return samples;
    }

    public String toJson() {
        final ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("samples", samples);
        final ObjectNode ranges = root.putObject("amax");
        amax.forEach(ranges::put);
        try {
            return Json.MAPPER.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root) + "\n";
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always serializes", e);
        }
    }

    /** Reads {@link #toJson()}'s form; {@code source} names the file in errors. */
    public static Fp8Calibration fromJson(final String text, final String source) {
        final JsonNode root = Json.parse(source, text);
        if (!FORMAT.equals(Json.optText(root, "format", "")) || Json.optInt(root, "version", -1) != VERSION) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, source + " is not a version " + VERSION
                    + " fp8 calibration file");
        }
        final SortedMap<String, Float> amax = new TreeMap<>();
        final Iterator<Map.Entry<String, JsonNode>> fields = Json.required(root, "amax", source).fields();
        while (fields.hasNext()) {
            final Map.Entry<String, JsonNode> e = fields.next();
            amax.put(e.getKey(), e.getValue().floatValue());
        }
        return new Fp8Calibration(amax, Json.optInt(root, "samples", 0));
    }

    @Override
    public boolean equals(final Object other) {
        return other instanceof Fp8Calibration c && c.samples == samples && c.amax.equals(amax);
    }

    @Override
    public int hashCode() {
        return amax.hashCode() * 31 + samples;
    }
}
