package org.nifiltx.nifi.processors;

import org.nifiltx.core.pipeline.StageMetadata;

/**
 * Every FlowFile attribute the LTX processors read or write, in one place for code, documentation and tests. Where an
 * attribute repeats what the content's safetensors metadata carries ({@link StageMetadata}) it has the metadata key's
 * name; the processors read the metadata, the attributes are for the flow (routing, file names, provenance).
 */
public interface LtxAttributes {
    /** Which stage produced the content: {@link #STAGE_PROMPT_EMBEDDINGS}, {@link #STAGE_LATENTS} or {@link #STAGE_VIDEO}. */
    String STAGE = StageMetadata.STAGE;
    String STAGE_PROMPT_EMBEDDINGS = StageMetadata.STAGE_PROMPT_EMBEDDINGS;
    String STAGE_LATENTS = StageMetadata.STAGE_LATENTS;
    String STAGE_VIDEO = "video";
    /** The prompt that was encoded. */
    String PROMPT = StageMetadata.PROMPT;
    /** The negative prompt that was encoded (only when classifier-free guidance is on). */
    String NEGATIVE_PROMPT = StageMetadata.NEGATIVE_PROMPT;
    /** Token length the prompt was padded or truncated to. */
    String MAX_LENGTH = StageMetadata.MAX_LENGTH;
    /** Reference semantics followed: OFFICIAL or DIFFUSERS. */
    String COMPAT = StageMetadata.COMPAT;
    /** Classifier-free guidance scale the latents were generated with. */
    String GUIDANCE_SCALE = "ltx.guidance.scale";
    /** Width of the conditioning image EncodePrompt carried on (image-to-video). */
    String IMAGE_WIDTH = "ltx.image.width";
    /** Height of the conditioning image EncodePrompt carried on (image-to-video). */
    String IMAGE_HEIGHT = "ltx.image.height";
    /** Pixel frame of the video the conditioning image was placed on (0: image-to-video, later: a keyframe). */
    String CONDITIONING_FRAME = "ltx.conditioning.frame";
    /** Strength the conditioning image was applied with (1 pins it). */
    String CONDITIONING_STRENGTH = "ltx.conditioning.strength";
    /** Requested pixel frame count. */
    String NUM_FRAMES = StageMetadata.NUM_FRAMES;
    /** Requested pixel height. */
    String HEIGHT = StageMetadata.HEIGHT;
    /** Requested pixel width. */
    String WIDTH = StageMetadata.WIDTH;
    /** Frames per second. */
    String FRAME_RATE = StageMetadata.FRAME_RATE;
    /** Seed of the generation's noise. */
    String SEED = StageMetadata.SEED;
    /** Denoising model calls of all passes. */
    String STEPS = StageMetadata.STEPS;
    /** Seed of DecodeVideo's decode noise (by default the generation's {@link #SEED}). */
    String DECODE_SEED = "ltx.decode.seed";
    /** Milliseconds a stage took, per stage: {@code ltx.duration.ms.encode}, {@code .generate}, {@code .decode}. */
    String DURATION_PREFIX = "ltx.duration.ms.";
    String DURATION_ENCODE = DURATION_PREFIX + "encode";
    String DURATION_GENERATE = DURATION_PREFIX + "generate";
    String DURATION_DECODE = DURATION_PREFIX + "decode";
    /** Latent tensor shape, e.g. [1, 128, 16, 16, 24]. */
    String LATENT_SHAPE = "ltx.latent.shape";
    /** Output format of a decoded video. */
    String VIDEO_FORMAT = "ltx.video.format";
    /** The backend of the model service that made the content on this node, e.g. cpu or cuda. */
    String BACKEND = "ltx.backend";
    /** The device ordinal that backend ran on (0 on the CPU). */
    String DEVICE = "ltx.device";
    /** The precision the model computed in, after Auto was resolved, e.g. fp32 or int8. */
    String PRECISION = "ltx.precision";
    /** The cluster node that made the content (its address as the cluster knows it); absent on a standalone server. */
    String NODE = "ltx.node";
    /** Why the FlowFile went to failure or retry; removed when a later run succeeds. */
    String ERROR = "ltx.error";
    /** Standard NiFi attributes the processors set. */
    String MIME_TYPE = "mime.type";
    String FILENAME = "filename";
}
