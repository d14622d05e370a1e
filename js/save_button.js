// lrwidget's Save PNG button (anywidget). The kernel draws the picture; only the view that was clicked
// downloads it: each view sends its own token and keeps only the reply that carries it.

function render({ model, el }) {
  const token = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "jupyter-widgets jupyter-button widget-button lrw-save-png";
  const icon = document.createElement("i");
  icon.className = "fa fa-download";
  const label = document.createElement("span");
  button.append(icon, label);
  const show = () => {
    label.textContent = ` ${model.get("description")}`;
    button.title = model.get("tooltip");
  };
  show();
  model.on("change:description", show);
  model.on("change:tooltip", show);

  const onClick = () => {
    button.disabled = true;
    model.send({ event: "save", token });
  };
  const onMessage = (msg, buffers) => {
    if (!msg || msg.token !== token) return; // another view's reply
    button.disabled = false;
    if (msg.error) {
      button.title = msg.error;
      return;
    }
    const url = URL.createObjectURL(new Blob([buffers[0]], { type: "image/png" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = msg.filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 30_000);
  };
  button.addEventListener("click", onClick);
  model.on("msg:custom", onMessage);
  el.appendChild(button);
  return () => {
    model.off("msg:custom", onMessage);
    model.off("change:description", show);
    model.off("change:tooltip", show);
  };
}

export default { render };
