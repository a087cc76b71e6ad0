package org.nifiltx.onnx.model.upsampler;

import java.util.Arrays;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.layers.Linear;

/**
 * Kernel-3, stride-1, zero-padded convolutions (PyTorch Conv2d/Conv3d with padding=1) with their bias, emitted through
 * {@link org.nifiltx.onnx.layers.Conv#apply} (int8 where the graph's policy says so).
 */
final class Conv {
    private Conv() {
    }

    /** Conv3d k3 pad 1 on every axis, time included; scope holds {@code weight} [out, in, 3, 3, 3] and {@code bias}. */
    static Value conv3d(final GraphBuilder graph, final Value x, final WeightStore weights, final int in, final int out) {
        return conv(graph, x, weights, new long[] {out, in, 3, 3, 3}, out, Linear.Role.BULK);
    }

    /** As {@link #conv3d}, fp32 in every precision (the model's first and last conv). */
    static Value sensitiveConv3d(final GraphBuilder graph, final Value x, final WeightStore weights, final int in,
            final int out) {
        return conv(graph, x, weights, new long[] {out, in, 3, 3, 3}, out, Linear.Role.SENSITIVE);
    }

    /** Conv2d k3 pad 1; scope holds {@code weight} [out, in, 3, 3] and {@code bias}. */
    static Value conv2d(final GraphBuilder graph, final Value x, final WeightStore weights, final int in, final int out) {
        return conv(graph, x, weights, new long[] {out, in, 3, 3}, out, Linear.Role.BULK);
    }

    private static Value conv(final GraphBuilder graph, final Value x, final WeightStore weights, final long[] shape,
            final int out, final Linear.Role role) {
        final int spatialAxes = shape.length - 2;
        final long[] pads = new long[2 * spatialAxes];
        Arrays.fill(pads, 1);
        final long[] strides = new long[spatialAxes];
        Arrays.fill(strides, 1);
        final Value bias = graph.weight(weights.prefix() + "bias", weights.get("bias", out));
        return org.nifiltx.onnx.layers.Conv.apply(graph, weights.prefix() + "weight", weights.get("weight", shape), bias,
                x, pads, strides, role);
    }
}
