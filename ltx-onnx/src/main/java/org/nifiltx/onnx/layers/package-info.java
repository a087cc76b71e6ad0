/**
 * The layer vocabulary every model graph is emitted through: {@link org.nifiltx.onnx.layers.Linear},
 * {@link org.nifiltx.onnx.layers.Conv}, {@link org.nifiltx.onnx.layers.Norms},
 * {@link org.nifiltx.onnx.layers.Activations} and {@link org.nifiltx.onnx.layers.TimestepEmbeddings}. Each reads the
 * graph's {@link org.nifiltx.onnx.graph.NumericPolicy} and {@link org.nifiltx.onnx.graph.Target}, so a precision mode
 * or a backend's operator set is decided here once, not in each model.
 */
package org.nifiltx.onnx.layers;
