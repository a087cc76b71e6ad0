package org.nifiltx.onnx.pipeline;

import java.util.ArrayList;
import java.util.List;
import org.nifiltx.core.backend.Backend;
import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.backend.Backends;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.backend.LatentUpsamplerModel;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.pipeline.LtxModels;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.TinyFixtures;
import org.nifiltx.core.text.TextEncoderModel;

/** The real backend, except that every transformer call's inputs are kept so tests can see what the model was given. */
final class RecordingBackend implements Backend {
    /** The inputs of one transformer call, copied out of the bundle, and its output; skipLayerMask is null when absent. */
    record Call(Tensor hiddenStates, Tensor timestep, Tensor videoCoords, Tensor skipLayerMask, Tensor output) {
    }

    private final Backend delegate;
    private final List<Call> calls = new ArrayList<>();

    RecordingBackend(final Backend delegate) {
        this.delegate = delegate;
    }

    /** The real CPU backend, recording. */
    static RecordingBackend cpu() {
        return new RecordingBackend(Backends.find(BackendOptions.cpu()));
    }

    /** The tiny fixture model (single file, the diffusers text encoder, optionally the latent upsampler) on this backend. */
    LtxModels tinyModels(final boolean withUpsampler) {
        return tinyModels(withUpsampler ? "model/latent_upsampler" : null);
    }

    /** As {@link #tinyModels(boolean)} with the upsampler of fixture folder {@code upsampler} (null: none). */
    LtxModels tinyModels(final String upsampler) {
        return new LtxModels(LtxCheckpoint.open(TinyFixtures.path("model/ltxv-tiny.safetensors")),
                TextEncoderModel.open(TinyFixtures.path("model/diffusers")),
                upsampler != null ? LatentUpsamplerModel.open(TinyFixtures.path(upsampler)) : null, this, BackendOptions.cpu());
    }

    /** The transformer calls since the last {@link #clear()}, in order. */
    synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    synchronized void clear() {
        calls.clear();
    }

    private synchronized void record(final TensorBundle inputs, final TensorBundle outputs) {
        calls.add(new Call(inputs.get("hidden_states"), inputs.get("timestep"), inputs.get("video_coords"),
                inputs.find("skip_layer_mask").orElse(null), outputs.get("out")));
    }

    @Override
    public boolean handles(final String backendName) {
        return delegate.handles(backendName);
    }

    @Override
    public String unavailableReason(final BackendOptions options) {
        return delegate.unavailableReason(options);
    }

    @Override
    public ComponentRunner transformer(final LtxCheckpoint checkpoint, final BackendOptions options) {
        final ComponentRunner runner = delegate.transformer(checkpoint, options);
        return new ComponentRunner() {
            @Override
            public TensorBundle run(final TensorBundle inputs) {
                final TensorBundle outputs = runner.run(inputs);
                record(inputs, outputs);
                return outputs;
            }

            @Override
            public void close() {
                runner.close();
            }
        };
    }

    @Override
    public ComponentRunner vaeDecoder(final LtxCheckpoint checkpoint, final BackendOptions options) {
        return delegate.vaeDecoder(checkpoint, options);
    }

    @Override
    public ComponentRunner vaeEncoder(final LtxCheckpoint checkpoint, final BackendOptions options) {
        return delegate.vaeEncoder(checkpoint, options);
    }

    @Override
    public ComponentRunner textEncoder(final T5Config config, final WeightStore weights, final boolean useMask,
            final BackendOptions options) {
        return delegate.textEncoder(config, weights, useMask, options);
    }

    @Override
    public ComponentRunner latentUpsampler(final LatentUpsamplerModel model, final BackendOptions options) {
        return delegate.latentUpsampler(model, options);
    }
}
