package org.nifiltx.core.latent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

class LatentLayoutTest {
    private static TensorBundle transformerInputs() throws URISyntaxException {
        return SafeTensors.read(Path.of(LatentLayoutTest.class
                .getResource("/fixtures/ltx-tiny/cases/transformer_forward/inputs.safetensors").toURI()));
    }

    @Test
    void packPutsChannelsLastInFrameRowColumnOrder() {
        // B=1, C=2, F=1, H=2, W=2: channel c holds 10c + n
        final float[] values = {0, 1, 2, 3, 10, 11, 12, 13};
        final Tensor packed = LatentLayout.pack(Tensor.ofFloats(new long[] {1, 2, 1, 2, 2}, values));
        assertArrayEquals(new long[] {1, 4, 2}, packed.shape());
        assertArrayEquals(new float[] {0, 10, 1, 11, 2, 12, 3, 13}, packed.toFloatArray());
        final Tensor unpacked = LatentLayout.unpack(packed, 1, 2, 2);
        assertArrayEquals(new long[] {1, 2, 1, 2, 2}, unpacked.shape());
        assertArrayEquals(values, unpacked.toFloatArray());
    }

    @Test
    void packRoundTripsBatches() {
        final float[] values = new float[2 * 3 * 2 * 2 * 3];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.5f - 7;
        }
        final Tensor latents = Tensor.ofFloats(new long[] {2, 3, 2, 2, 3}, values);
        final Tensor packed = LatentLayout.pack(latents);
        // token n = (f*H + y)*W + x; check f=1, y=1, x=2, channel 2 of batch 1
        final int token = (1 * 2 + 1) * 3 + 2;
        final int source = (((1 * 3 + 2) * 2 + 1) * 2 + 1) * 3 + 2;
        assertEquals(values[source], packed.toFloatArray()[(12 + token) * 3 + 2]);
        assertArrayEquals(values, LatentLayout.unpack(packed, 2, 2, 3).toFloatArray());
    }

    @Test
    void latentCoordsMatchReference() throws URISyntaxException {
        final Tensor expected = transformerInputs().get("latent_coords");
        final Tensor actual = LatentLayout.latentCoords(2, 2, 2, 3);
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.toLongArray(), actual.toLongArray());
    }

    @Test
    void gridVideoCoordsMatchReference() throws URISyntaxException {
        final Tensor expected = transformerInputs().get("video_coords_grid");
        final Tensor actual = LatentLayout.videoCoords(2, 2, 2, 3, 25, false);
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.toFloatArray(), actual.toFloatArray());
    }

    @Test
    void causalVideoCoordsMatchReference() throws URISyntaxException {
        final Tensor expected = transformerInputs().get("video_coords_causal");
        final Tensor actual = LatentLayout.videoCoords(2, 2, 2, 3, 25, true);
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.toFloatArray(), actual.toFloatArray());
    }

    @Test
    void causalTimeUsesFloatReciprocal() {
        // latent frame 2 covers pixel frame 9; 9 * (float) (1/30)
        final float[] coords = LatentLayout.videoCoords(1, 3, 1, 1, 30, true).toFloatArray();
        assertArrayEquals(new float[] {0.0f, 1 * (float) (1.0 / 30), 9 * (float) (1.0 / 30)}, new float[] {coords[0], coords[1], coords[2]});
    }

    @Test
    void rejectsWrongShapes() {
        final LtxException error = assertThrows(LtxException.class,
                () -> LatentLayout.unpack(Tensor.ofFloats(new long[] {1, 4, 2}, new float[8]), 1, 2, 3));
        assertEquals(LtxErrorCode.INVALID_TENSOR, error.code());
        assertEquals("packed latents hold 4 tokens, but a 1x2x3 latent grid needs 6", error.getMessage());
    }
}
