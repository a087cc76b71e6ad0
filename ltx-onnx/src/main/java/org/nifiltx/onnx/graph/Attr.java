package org.nifiltx.onnx.graph;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import org.nifiltx.onnx.proto.OnnxProto.AttributeProto;
import org.nifiltx.onnx.proto.OnnxProto.AttributeProto.AttributeType;

/** Node attributes, one factory per ONNX attribute type. */
public final class Attr {
    private Attr() {
    }

    public static AttributeProto i(final String name, final long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(value).build();
    }

    public static AttributeProto f(final String name, final float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.FLOAT).setF(value).build();
    }

    public static AttributeProto s(final String name, final String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.STRING)
                .setS(ByteString.copyFrom(value, StandardCharsets.UTF_8)).build();
    }

    public static AttributeProto ints(final String name, final long... values) {
        final AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeType.INTS);
        for (final long v : values) {
            b.addInts(v);
        }
        return b.build();
    }

    public static AttributeProto floats(final String name, final float... values) {
        final AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeType.FLOATS);
        for (final float v : values) {
            b.addFloats(v);
        }
        return b.build();
    }
}
