package org.nifiltx.nifi.processors;

import java.util.function.Consumer;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.processor.ProcessSession;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.video.ImageLoader;

/**
 * FlowFile content in, streamed: nothing reads a whole FlowFile into memory, and content is checked from its header
 * before anything the size of its data is allocated.
 */
final class FlowFileTensors {
    /** What error messages call the content. */
    static final String CONTENT_NAME = "<FlowFile content>";

    private FlowFileTensors() {
    }

    /**
     * Reads the content as a safetensors bundle: {@code accept} (see {@link ContentRules}) sees the header and refuses
     * foreign or oversized content by throwing, before the tensors are read into their own buffers.
     */
    static TensorBundle read(final ProcessSession session, final FlowFile flowFile, final Consumer<SafeTensors.Header> accept) {
        final TensorBundle[] bundle = new TensorBundle[1];
        session.read(flowFile, in -> bundle[0] = SafeTensors.read(in, flowFile.getSize(), CONTENT_NAME, accept));
        return bundle[0];
    }

    /** Decodes the content as a still image (PNG, JPEG, ...), refusing one of more than {@link ImageLoader#MAX_PIXELS} from its header. */
    static Tensor readImage(final ProcessSession session, final FlowFile flowFile) {
        final Tensor[] image = new Tensor[1];
        session.read(flowFile, in -> image[0] = ImageLoader.loadRgb(in, CONTENT_NAME));
        return image[0];
    }
}
