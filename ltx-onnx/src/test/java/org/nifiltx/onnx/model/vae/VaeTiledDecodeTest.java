package org.nifiltx.onnx.model.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.video.FramesPostprocess;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * Tiled decode on the fixture latents (2×3 latent pixels, 64×96 video): the blended video is checked pixel by pixel
 * against diffusers' in-place blend formulas applied to tiles decoded separately with the untiled runner.
 */
class VaeTiledDecodeTest {
    private static VaeDecoderRunner runner;
    private static Tensor latents;
    private static Tensor timestep;

    @BeforeAll
    static void open() {
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(VaeFixtures.resource("model/ltxv-tiny.safetensors"));
        runner = VaeDecoderRunner.open(checkpoint, SessionConfig.cpu());
        final TensorBundle inputs = VaeFixtures.read("cases/vae_decode/inputs.safetensors");
        latents = inputs.get("latents_normalized");
        timestep = inputs.get("decode_timestep");
    }

    @AfterAll
    static void close() {
        runner.close();
    }

    private static TensorBundle inputs(final Tensor z) {
        return TensorBundle.of(Map.of("latents_normalized", z, "decode_timestep", timestep));
    }

    /** Untiled decode of latent rows [y0, y1) and columns [x0, x1), as [planes][H][W]. */
    private static float[][][] tile(final int y0, final int y1, final int x0, final int x1) {
        final long[] shape = latents.shape();
        final int planes = (int) (shape[0] * shape[1] * shape[2]);
        final int height = (int) shape[3];
        final int width = (int) shape[4];
        final float[] values = latents.toFloatArray();
        final float[] cut = new float[planes * (y1 - y0) * (x1 - x0)];
        int k = 0;
        for (int p = 0; p < planes; p++) {
            for (int y = y0; y < y1; y++) {
                for (int x = x0; x < x1; x++) {
                    cut[k++] = values[(p * height + y) * width + x];
                }
            }
        }
        final long[] cutShape = {shape[0], shape[1], shape[2], y1 - y0, x1 - x0};
        final Tensor video = runner.run(inputs(Tensor.ofFloats(cutShape, cut))).get("video");
        return planes(video);
    }

    private static float[][][] planes(final Tensor video) {
        final long[] shape = video.shape();
        final int planes = (int) (shape[0] * shape[1] * shape[2]);
        final int height = (int) shape[3];
        final int width = (int) shape[4];
        final float[] values = video.toFloatArray();
        final float[][][] out = new float[planes][height][width];
        for (int p = 0; p < planes; p++) {
            for (int y = 0; y < height; y++) {
                System.arraycopy(values, (p * height + y) * width, out[p][y], 0, width);
            }
        }
        return out;
    }

    private static float blend(final float a, final float b, final int offset, final int extent) {
        return a * (float) (1 - (double) offset / extent) + b * (float) ((double) offset / extent);
    }

    @Test
    void latentsWithinOneTileDecodeExactlyAsUntiled() {
        final TensorBundle tiled = runner.run(inputs(latents), new DecodeTiling(64, 96, 32, 64));
        final TensorBundle plain = runner.run(inputs(latents));
        assertArrayEquals(plain.get("video").toFloatArray(), tiled.get("video").toFloatArray());
        assertArrayEquals(plain.get("frames_uint8").toByteArray(), tiled.get("frames_uint8").toByteArray());
    }

    @Test
    void horizontalTilesBlendAsDiffusers() {
        final TensorBundle out = runner.run(inputs(latents), new DecodeTiling(64, 64, 64, 32));
        final float[][][] video = planes(out.get("video"));
        final float[][][] t0 = tile(0, 2, 0, 2);
        final float[][][] t1 = tile(0, 2, 1, 3);
        final float[][][] t2 = tile(0, 2, 2, 3);
        for (int p = 0; p < video.length; p++) {
            for (int y = 0; y < 64; y++) {
                for (int x = 0; x < 32; x++) {
                    assertEquals(t0[p][y][x], video[p][y][x], 1e-6f);
                    assertEquals(blend(t0[p][y][32 + x], t1[p][y][x], x, 32), video[p][y][32 + x], 1e-6f);
                    assertEquals(blend(t1[p][y][32 + x], t2[p][y][x], x, 32), video[p][y][64 + x], 1e-6f);
                }
            }
        }
        assertArrayEquals(FramesPostprocess.toUint8(out.get("video"), FramesPostprocess.Rounding.ROUND).toByteArray(),
                out.get("frames_uint8").toByteArray());
    }

    @Test
    void twoDimensionalTilesBlendInPlaceAsDiffusers() {
        final float[][][] video = planes(runner.run(inputs(latents), new DecodeTiling(64, 64, 32, 32)).get("video"));
        final float[][][] t00 = tile(0, 2, 0, 2);
        final float[][][] t01 = tile(0, 2, 1, 3);
        final float[][][] t10 = tile(1, 2, 0, 2);
        final float[][][] t11 = tile(1, 2, 1, 3);
        for (int p = 0; p < video.length; p++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    // row 0 is blended first: tile 01's left columns take tile 00's right columns
                    final float t01Blended = blend(t00[p][32 + y][32 + x], t01[p][32 + y][x], x, 32);
                    // row 1: each tile first takes the (already blended) tile above, then the tile to its left
                    final float t10Right = blend(t00[p][32 + y][32 + x], t10[p][y][32 + x], y, 32);
                    final float t11Vertical = blend(t01Blended, t11[p][y][x], y, 32);
                    assertEquals(blend(t10Right, t11Vertical, x, 32), video[p][32 + y][32 + x], 1e-6f);
                }
            }
        }
    }

    @Test
    void tileSizesMustBeWholeLatentPixels() {
        final LtxException error = assertThrows(LtxException.class,
                () -> runner.run(inputs(latents), new DecodeTiling(64, 48, 32, 32)));
        assertEquals(LtxErrorCode.INVALID_ARGUMENT, error.code());
        assertEquals("vae-decode: tile size or stride 48 must be a multiple of 32 pixels", error.getMessage());
    }
}
