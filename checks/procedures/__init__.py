"""The ordered-procedure machinery of the `procedure` kind: its model, the vectorised screen and the durable-rules adapter."""
