"""Export a run's model (SavedModel, LiteRT, ONNX), verified against model.keras in a fresh process."""

from tfjourney.export.exporter import EXPORT_DIR, FORMATS, ExportResult, export_run, is_export_folder
from tfjourney.export.litert import QUANTIZATIONS

__all__ = ["EXPORT_DIR", "FORMATS", "QUANTIZATIONS", "ExportResult", "export_run", "is_export_folder"]
