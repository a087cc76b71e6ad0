package org.nifiltx.core.text;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A minimal reader of the protobuf wire format, just enough for a sentencepiece {@code ModelProto}. Problems are
 * reported as {@link IllegalArgumentException}; the caller turns them into a corrupt-file error naming the file.
 */
final class ProtobufReader {
    static final int WIRE_VARINT = 0;
    static final int WIRE_FIXED64 = 1;
    static final int WIRE_LENGTH_DELIMITED = 2;
    static final int WIRE_FIXED32 = 5;

    private final byte[] buffer;
    private final int end;
    private int position;
    private int lastTag;

    ProtobufReader(final byte[] buffer) {
        this(buffer, 0, buffer.length);
    }

    private ProtobufReader(final byte[] buffer, final int start, final int end) {
        this.buffer = buffer;
        this.position = start;
        this.end = end;
    }

    boolean hasMore() {
        return position < end;
    }

    /** Reads the next tag; {@link #fieldNumber()} and {@link #wireType()} then describe the field that follows. */
    void readTag() {
        final long tag = readVarint();
        if (tag <= 0 || tag > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("invalid protobuf tag " + tag + " at byte " + position);
        }
        lastTag = (int) tag;
        if (fieldNumber() == 0) {
            throw new IllegalArgumentException("protobuf field number 0 at byte " + position);
        }
    }

    int fieldNumber() {
        return lastTag >>> 3;
    }

    int wireType() {
        return lastTag & 7;
    }

    long readVarint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            requireAvailable(1);
            final byte current = buffer[position++];
            result |= (long) (current & 0x7F) << shift;
            if ((current & 0x80) == 0) {
                return result;
            }
        }
        throw new IllegalArgumentException("protobuf varint longer than 10 bytes at byte " + position);
    }

    /** Reads an int32 or enum field; protobuf stores negative values as 64-bit two's complement, so truncation is right. */
    int readInt32() {
        return (int) readVarint();
    }

    float readFloat() {
        requireAvailable(4);
        final int bits = (buffer[position] & 0xFF) | (buffer[position + 1] & 0xFF) << 8
                | (buffer[position + 2] & 0xFF) << 16 | (buffer[position + 3] & 0xFF) << 24;
        position += 4;
        return Float.intBitsToFloat(bits);
    }

    byte[] readBytes() {
        final int length = readLength();
        final byte[] bytes = Arrays.copyOfRange(buffer, position, position + length);
        position += length;
        return bytes;
    }

    String readString() {
        final int length = readLength();
        final String text = new String(buffer, position, length, StandardCharsets.UTF_8);
        position += length;
        return text;
    }

    /** A reader limited to the embedded message that follows; this reader moves past it. */
    ProtobufReader readMessage() {
        final int length = readLength();
        final ProtobufReader nested = new ProtobufReader(buffer, position, position + length);
        position += length;
        return nested;
    }

    /** Checks the wire type of the current field, so a field of an unexpected shape is not misread silently. */
    void expectWireType(final int expected) {
        if (wireType() != expected) {
            throw new IllegalArgumentException("protobuf field " + fieldNumber() + " has wire type " + wireType()
                    + ", expected " + expected);
        }
    }

    void skipField() {
        switch (wireType()) {
            case WIRE_VARINT -> readVarint();
            case WIRE_FIXED64 -> skip(8);
            case WIRE_LENGTH_DELIMITED -> skip(readLength());
            case WIRE_FIXED32 -> skip(4);
            default -> throw new IllegalArgumentException("unsupported protobuf wire type " + wireType()
                    + " for field " + fieldNumber());
        }
    }

    private void skip(final int count) {
        requireAvailable(count);
        position += count;
    }

    private int readLength() {
        final long length = readVarint();
        if (length < 0 || length > end - position) {
            throw new IllegalArgumentException("protobuf length " + length + " at byte " + position
                    + " runs past the end of its message");
        }
        return (int) length;
    }

    private void requireAvailable(final int count) {
        if (count > end - position) {
            throw new IllegalArgumentException("protobuf data truncated at byte " + position);
        }
    }
}
