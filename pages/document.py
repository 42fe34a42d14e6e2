"""Document page: choose a sample, upload a file or type a text; choose the encoder."""

from __future__ import annotations

import hashlib

import streamlit as st

from explorer import context, state
from pooling_core.encoders import available_encoders
from pooling_core.errors import InputError
from pooling_core.samples import SAMPLES

UPLOAD_TYPES = ["pdf", "png", "jpg", "jpeg", "webp", "tif", "tiff", "gif", "txt", "md"]

st.title("Document")
st.caption("Pick what to embed. Everything runs locally; nothing is sent anywhere.")

source = st.radio("Source", ["Sample", "Upload a file", "Type a text"], horizontal=True, key="doc_source")

if source == "Sample":
    names = list(SAMPLES)
    current = state.get(state.DOC_SAMPLE)
    # Only a change of this selectbox switches the document (an upload stays when the
    # user comes back to this page and the radio shows "Sample" again).
    st.selectbox("Sample", names, index=names.index(current) if current in names else 0,
                 format_func=lambda n: SAMPLES[n].title, key="sample_pick",
                 on_change=lambda: context.use_sample(st.session_state["sample_pick"]))
elif source == "Upload a file":
    up = st.file_uploader("PDF, image or text file", type=UPLOAD_TYPES, key="upload")
    if up is not None:
        data = up.getvalue()
        tag = hashlib.sha256(data).hexdigest() + up.name
        if st.session_state.get("_upload_tag") != tag:
            st.session_state["_upload_tag"] = tag
            try:
                context.use_upload(up.name, data)
                st.session_state.pop("_upload_error", None)
            except InputError as exc:
                st.session_state["_upload_error"] = f"{up.name}: {exc}"
    if st.session_state.get("_upload_error"):
        st.error(st.session_state["_upload_error"])
        st.caption("The previous document is still loaded.")
else:
    text = st.text_area("Text", height=160, key="typed_text",
                        placeholder="Paste or type a paragraph…")
    if st.button("Use this text", key="use_text"):
        try:
            context.use_upload("typed.txt", text.encode("utf-8"))
        except InputError as exc:
            st.error(str(exc))

ctx = context.current()

# Page picker for multi-page PDFs (page count is known without rendering every page).
if ctx.kind == "pdf" and ctx.doc.page_count > 1:
    page_no = st.number_input(f"Page (1–{ctx.doc.page_count})", min_value=1,
                              max_value=ctx.doc.page_count, value=ctx.page + 1, step=1, key="page_pick")
    if page_no - 1 != ctx.page:
        state.put(state.PAGE, int(page_no) - 1)
        st.rerun()

# Encoder picker: the offline encoders that accept this kind, or a model id / folder.
infos = [i for i in available_encoders() if ctx.kind in i.input_kinds]
names = [i.name for i in infos]
labels = {i.name: i.label for i in infos}
OTHER = "__other__"
options = names + [OTHER]
current_enc = ctx.encoder_name
index = options.index(current_enc) if current_enc in options else len(options) - 1
pick = st.selectbox("Encoder", options, index=index, key="encoder_pick",
                    format_func=lambda n: "A ColPali-family model (Hugging Face id or local folder)…"
                    if n == OTHER else labels.get(n, n))
if pick == OTHER:
    typed = st.text_input("Model id or local folder", value="" if current_enc in names else current_enc,
                          placeholder="vidore/colpali-v1.3 or /models/colqwen2", key="model_id")
    if typed.strip() and typed.strip() != current_enc:
        state.put(state.ENCODER, typed.strip())
        st.rerun()
elif pick != current_enc:
    state.put(state.ENCODER, pick)
    st.rerun()

st.divider()
left, right = st.columns([3, 2])
with right:
    st.subheader(ctx.name)
    st.write(f"**Kind:** {ctx.kind}" + (f" · page {ctx.page + 1} of {ctx.doc.page_count}" if ctx.kind == "pdf" else ""))
    for note in ctx.doc.notices:
        st.info(note)
    if context.require(ctx):
        mv = ctx.mv
        st.write(f"**Encoder:** {ctx.enc.label}")
        st.write(f"**Device:** `{ctx.enc.device}`")
        grid = f" on a {mv.grid[0]}×{mv.grid[1]} patch grid" if mv.grid else ""
        st.write(f"**Embedding:** {mv.n} vectors × {mv.dim} dimensions{grid}; "
                 f"{mv.n_special} special token(s)")
        st.code(f"vectors: {tuple(mv.vectors.shape)} {str(mv.vectors.dtype).replace('torch.', '')}",
                language=None)
        if ctx.enc.yields_patches is False and ctx.kind != "text":
            st.caption("This encoder embeds the page's text, not its image.")
with left:
    if ctx.image is not None:
        st.image(ctx.image, caption=f"{ctx.name}, page {ctx.page + 1}", width="stretch")
    elif ctx.kind == "text":
        st.text(ctx.doc.text[:3000] + ("…" if len(ctx.doc.text) > 3000 else ""))
