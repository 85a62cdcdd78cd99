"""`tfjourney serve`: run folders behind TensorFlow Serving's REST API (FastAPI + uvicorn)."""
