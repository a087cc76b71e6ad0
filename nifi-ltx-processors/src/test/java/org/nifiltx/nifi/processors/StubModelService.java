package org.nifiltx.nifi.processors;

import org.apache.nifi.controller.AbstractControllerService;
import org.apache.nifi.reporting.InitializationException;
import org.apache.nifi.util.TestRunner;
import org.nifiltx.core.pipeline.DecodeSpec;
import org.nifiltx.core.pipeline.GenerationRequest;
import org.nifiltx.core.pipeline.GenerationResult;
import org.nifiltx.core.pipeline.NoiseSource;
import org.nifiltx.core.pipeline.ProgressListener;
import org.nifiltx.core.pipeline.PromptPair;
import org.nifiltx.core.pipeline.PromptSpec;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.nifi.api.LtxModelInfo;
import org.nifiltx.nifi.api.LtxVideoModelService;

/**
 * The real CPU service behind a seam for the paths the tiny model cannot reach: a stage that throws what
 * {@link #failure} holds (out of memory, a backend down), and a hook run after each finished step.
 */
final class StubModelService extends AbstractControllerService implements LtxVideoModelService {
    static final String ID = "stub-model";

    private final LtxVideoModelService delegate;
    /** Thrown by the next stage call while set. */
    volatile RuntimeException failure;
    /** Runs after every finished step, before the pipeline asks whether to go on. */
    volatile Runnable afterStep = () -> { };

    private StubModelService(final LtxVideoModelService delegate) {
        this.delegate = delegate;
    }

    /** Adds the real service and this stub in front of it, and points the runner's processor at the stub. */
    static StubModelService add(final TestRunner runner) {
        final StubModelService stub = new StubModelService(Fixtures.addService(runner));
        try {
            runner.addControllerService(ID, stub);
        } catch (final InitializationException e) {
            throw new IllegalStateException(e);
        }
        runner.enableControllerService(stub);
        runner.setProperty(LtxProperties.MODEL_SERVICE, ID);
        return stub;
    }

    private void failIfAsked() {
        final RuntimeException e = failure;
        if (e != null) {
            throw e;
        }
    }

    private ProgressListener observed(final ProgressListener progress) {
        return new ProgressListener() {
            @Override
            public void stageStarted(final String stage, final int totalSteps) {
                progress.stageStarted(stage, totalSteps);
            }

            @Override
            public void stepDone(final String stage, final int step, final int totalSteps) {
                progress.stepDone(stage, step, totalSteps);
                afterStep.run();
            }

            @Override
            public boolean cancelled() {
                return progress.cancelled();
            }
        };
    }

    @Override
    public LtxModelInfo modelInfo() {
        return delegate.modelInfo();
    }

    @Override
    public void validate(final GenerationRequest request) {
        delegate.validate(request);
    }

    @Override
    public void validateDecode(final DecodeSpec spec) {
        delegate.validateDecode(spec);
    }

    @Override
    public PromptPair encodePrompts(final PromptSpec spec, final ProgressListener progress) {
        failIfAsked();
        return delegate.encodePrompts(spec, observed(progress));
    }

    @Override
    public GenerationResult generateLatents(final GenerationRequest request, final PromptPair prompts, final NoiseSource noise,
            final ProgressListener progress) {
        failIfAsked();
        return delegate.generateLatents(request, prompts, noise, observed(progress));
    }

    @Override
    public Tensor decode(final Tensor latents, final DecodeSpec spec, final NoiseSource noise,
            final ProgressListener progress) {
        failIfAsked();
        return delegate.decode(latents, spec, noise, observed(progress));
    }
}
