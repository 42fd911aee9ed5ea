"""The radiograph viewer: a Qt-free view state and rendering, and the Qt widget that shows them."""
