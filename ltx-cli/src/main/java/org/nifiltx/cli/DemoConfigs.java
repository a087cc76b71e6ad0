package org.nifiltx.cli;

/** The demo model's configuration files: the sizes of the ltx-tiny test fixture, LTX-Video 0.9.5 VAE blocks. */
final class DemoConfigs {
    /** model_index.json: the diffusers LTXPipeline layout. */
    static final String MODEL_INDEX = """
            {
              "_class_name": "LTXPipeline",
              "_diffusers_version": "0.40.0.dev0",
              "scheduler": [
                "diffusers",
                "FlowMatchEulerDiscreteScheduler"
              ],
              "text_encoder": [
                "transformers",
                "T5EncoderModel"
              ],
              "tokenizer": [
                "transformers",
                "T5Tokenizer"
              ],
              "transformer": [
                "diffusers",
                "LTXVideoTransformer3DModel"
              ],
              "vae": [
                "diffusers",
                "AutoencoderKLLTXVideo"
              ]
            }
            """;

    /** scheduler/scheduler_config.json: flow-match Euler with dynamic shifting, as LTX-Video ships it. */
    static final String SCHEDULER = """
            {
              "_class_name": "FlowMatchEulerDiscreteScheduler",
              "_diffusers_version": "0.40.0.dev0",
              "base_image_seq_len": 1024,
              "base_shift": 0.95,
              "invert_sigmas": false,
              "max_image_seq_len": 4096,
              "max_shift": 2.05,
              "num_train_timesteps": 1000,
              "shift": 1.0,
              "shift_terminal": 0.1,
              "stochastic_sampling": false,
              "time_shift_type": "exponential",
              "use_beta_sigmas": false,
              "use_dynamic_shifting": true,
              "use_exponential_sigmas": false,
              "use_karras_sigmas": false
            }
            """;

    /** transformer/config.json: 2 blocks, 2 heads of 16. */
    static final String TRANSFORMER = """
            {
              "_class_name": "LTXVideoTransformer3DModel",
              "_diffusers_version": "0.40.0.dev0",
              "activation_fn": "gelu-approximate",
              "attention_bias": true,
              "attention_head_dim": 16,
              "attention_out_bias": true,
              "caption_channels": 24,
              "cross_attention_dim": 32,
              "in_channels": 16,
              "norm_elementwise_affine": false,
              "norm_eps": 1e-06,
              "num_attention_heads": 2,
              "num_layers": 2,
              "out_channels": 16,
              "patch_size": 1,
              "patch_size_t": 1,
              "qk_norm": "rms_norm_across_heads"
            }
            """;

    /** vae/config.json: 16 latent channels, 32x spatial and 8x temporal compression, timestep-conditioned decoder. */
    static final String VAE = """
            {
              "_class_name": "AutoencoderKLLTXVideo",
              "_diffusers_version": "0.40.0.dev0",
              "block_out_channels": [
                8,
                16,
                32,
                32,
                32
              ],
              "decoder_block_out_channels": [
                8,
                16,
                32
              ],
              "decoder_causal": false,
              "decoder_inject_noise": [
                false,
                false,
                false,
                false
              ],
              "decoder_layers_per_block": [
                2,
                1,
                1,
                1
              ],
              "decoder_spatio_temporal_scaling": [
                true,
                true,
                true
              ],
              "down_block_types": [
                "LTXVideo095DownBlock3D",
                "LTXVideo095DownBlock3D",
                "LTXVideo095DownBlock3D",
                "LTXVideo095DownBlock3D"
              ],
              "downsample_type": [
                "spatial",
                "temporal",
                "spatiotemporal",
                "spatiotemporal"
              ],
              "encoder_causal": true,
              "in_channels": 3,
              "latent_channels": 16,
              "layers_per_block": [
                2,
                1,
                1,
                1,
                1
              ],
              "out_channels": 3,
              "patch_size": 4,
              "patch_size_t": 1,
              "resnet_norm_eps": 1e-06,
              "scaling_factor": 1.0,
              "spatial_compression_ratio": 32,
              "spatio_temporal_scaling": [
                true,
                true,
                true,
                true
              ],
              "temporal_compression_ratio": 8,
              "timestep_conditioning": true,
              "upsample_factor": [
                2,
                2,
                2
              ],
              "upsample_residual": [
                true,
                true,
                true
              ]
            }
            """;

    /** text_encoder/config.json: a 2-layer T5 encoder of width 24 over the 320-piece demo vocabulary. */
    static final String TEXT_ENCODER = """
            {
              "architectures": [
                "T5EncoderModel"
              ],
              "classifier_dropout": 0.0,
              "d_ff": 64,
              "d_kv": 8,
              "d_model": 24,
              "decoder_start_token_id": 0,
              "dense_act_fn": "gelu_new",
              "dropout_rate": 0.0,
              "dtype": "float32",
              "eos_token_id": 1,
              "feed_forward_proj": "gated-gelu",
              "initializer_factor": 1.0,
              "is_decoder": false,
              "is_encoder_decoder": false,
              "is_gated_act": true,
              "layer_norm_epsilon": 1e-06,
              "model_type": "t5",
              "num_decoder_layers": 2,
              "num_heads": 3,
              "num_layers": 2,
              "pad_token_id": 0,
              "relative_attention_max_distance": 128,
              "relative_attention_num_buckets": 32,
              "scale_decoder_outputs": false,
              "tie_word_embeddings": true,
              "transformers_version": "5.18.0",
              "use_cache": false,
              "vocab_size": 320
            }
            """;

    /** tokenizer/tokenizer_config.json. */
    static final String TOKENIZER = """
            {
              "backend": "tokenizers",
              "eos_token": "</s>",
              "extra_ids": 0,
              "extra_special_tokens": [],
              "is_local": true,
              "local_files_only": false,
              "model_max_length": 128,
              "pad_token": "<pad>",
              "tokenizer_class": "T5Tokenizer",
              "unk_token": "<unk>"
            }
            """;

    private DemoConfigs() {
    }
}
