package org.nifiltx.core.text;

/** The values of sentencepiece's {@code ModelProto.SentencePiece.Type}, which GGUF's token_type array reuses. */
public final class PieceType {
    /** An ordinary piece that segmentation may choose. */
    public static final int NORMAL = 1;
    /** The unknown-character piece; there must be exactly one. */
    public static final int UNKNOWN = 2;
    /** A control symbol such as {@code </s>}: never produced by segmentation, only added around it. */
    public static final int CONTROL = 3;
    /** A user-defined symbol: matched before normalisation and always preferred by segmentation. */
    public static final int USER_DEFINED = 4;
    /** A piece kept in the vocabulary but never produced. */
    public static final int UNUSED = 5;
    /** A {@code <0xNN>} piece used to spell unknown characters byte by byte when byte fallback is on. */
    public static final int BYTE = 6;

    private PieceType() {
    }
}
