"""The notebook face: ipywidgets + bqplot panes and the anywidget decision strip."""
