"""`tfjourney studio`: one local web app over your runs (Runs, Playground, Explainer, Predict).

The app is a thin FastAPI shell (`app.create_app`), one router per concern, over the same
library functions the CLI calls; HTML, CSS and JavaScript are packaged in `static/`.
"""
