package org.nifiltx.core.backend;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * The fixed tensor contract of each component (names and layouts as in the fixtures README), checked before any
 * work: a missing or misshaped input is one clear error naming the tensor, the expected and the found shape.
 * A dimension is a number from the model config or a symbol (B, N, L, F, h, w ...) that must agree across inputs.
 */
public final class ComponentContract {
    /** One input: accepted shapes (alternatives), whether it is required and whether it must hold floats. */
    public record Input(String name, boolean required, boolean floating, List<List<Object>> shapes) {
    }

    private final Component component;
    private final List<Input> inputs;
    private final List<String> outputs;

    private ComponentContract(final Component component, final List<Input> inputs, final List<String> outputs) {
        this.component = component;
        this.inputs = inputs;
        this.outputs = outputs;
    }

    public Component component() {
        return component;
    }

    public List<Input> inputs() {
        return inputs;
    }

    public List<String> outputs() {
        return outputs;
    }

    public static ComponentContract textEncoder(final T5Config config) {
        return new ComponentContract(Component.TEXT_ENCODER, List.of(
                new Input("input_ids", true, false, List.of(List.of("B", "L"))),
                new Input("attention_mask", true, false, List.of(List.of("B", "L")))),
                List.of("last_hidden_state"));
    }

    public static ComponentContract transformer(final TransformerConfig config) {
        return new ComponentContract(Component.TRANSFORMER, List.of(
                new Input("hidden_states", true, true, List.of(List.of("B", "N", config.inChannels()))),
                new Input("encoder_hidden_states", true, true, List.of(List.of("B", "L", config.captionChannels()))),
                new Input("encoder_attention_mask", true, false, List.of(List.of("B", "L"))),
                new Input("timestep", true, true, List.of(List.of("B"), List.of("B", "N"))),
                new Input("video_coords", true, true, List.of(List.of("B", 3, "N"))),
                new Input("skip_layer_mask", false, true, List.of(List.of(config.numLayers(), "B")))),
                List.of("out"));
    }

    public static ComponentContract vaeDecode(final VaeConfig config) {
        final List<Input> in = new ArrayList<>();
        in.add(new Input("latents_normalized", true, true, List.of(List.of("B", config.latentChannels(), "F", "h", "w"))));
        in.add(new Input("decode_timestep", config.timestepConditioning(), true, List.of(List.of("B"))));
        return new ComponentContract(Component.VAE_DECODE, List.copyOf(in), List.of("video", "frames_uint8"));
    }

    public static ComponentContract vaeEncode(final VaeConfig config) {
        return new ComponentContract(Component.VAE_ENCODE, List.of(
                new Input("video", true, true, List.of(List.of("B", config.inChannels(), "F", "H", "W")))),
                List.of("latent_mean", "latent_logvar", "latents_normalized"));
    }

    public static ComponentContract upsample(final LatentUpsamplerModel model) {
        return new ComponentContract(Component.UPSAMPLE, List.of(
                new Input("latents_raw", true, true, List.of(List.of("B", model.inChannels(), "F", "h", "w")))),
                List.of("upsampled_raw"));
    }

    /** Checks {@code bundle} against the contract and returns the value bound to each symbol. */
    public Map<String, Long> validate(final TensorBundle bundle) {
        final Map<String, Long> symbols = new HashMap<>();
        for (final Input input : inputs) {
            final Tensor tensor = bundle.find(input.name()).orElse(null);
            if (tensor == null) {
                if (input.required()) {
                    throw new LtxException(LtxErrorCode.INVALID_TENSOR, component.cliName() + ": missing input tensor '"
                            + input.name() + "' (expected shape " + describe(input) + ")");
                }
                continue;
            }
            if (input.floating() && !tensor.dtype().isFloatingPoint()) {
                throw new LtxException(LtxErrorCode.INVALID_TENSOR, component.cliName() + ": input '" + input.name()
                        + "' has dtype " + tensor.dtype() + ", expected a floating-point tensor");
            }
            bind(input, tensor, symbols);
            if (input.floating()) {
                tensor.requireFinite(input.name());
            }
        }
        return symbols;
    }

    private void bind(final Input input, final Tensor tensor, final Map<String, Long> symbols) {
        final long[] shape = tensor.shape();
        for (final List<Object> alternative : input.shapes()) {
            final Map<String, Long> trial = new HashMap<>(symbols);
            if (matches(alternative, shape, trial)) {
                symbols.putAll(trial);
                return;
            }
        }
        throw new LtxException(LtxErrorCode.INVALID_TENSOR, component.cliName() + ": input '" + input.name()
                + "' has shape " + Tensor.shapeString(shape) + ", expected " + describe(input)
                + (symbols.isEmpty() ? "" : " with " + symbols.entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "))));
    }

    private static boolean matches(final List<Object> expected, final long[] shape, final Map<String, Long> symbols) {
        if (expected.size() != shape.length) {
            return false;
        }
        for (int i = 0; i < shape.length; i++) {
            final Object dim = expected.get(i);
            if (dim instanceof Number n) {
                if (n.longValue() != shape[i]) {
                    return false;
                }
            } else {
                final Long bound = symbols.putIfAbsent((String) dim, shape[i]);
                if (bound != null && bound != shape[i]) {
                    return false;
                }
            }
        }
        return true;
    }

    private static String describe(final Input input) {
        return input.shapes().stream().map(s -> s.stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]")))
                .collect(Collectors.joining(" or "));
    }
}
