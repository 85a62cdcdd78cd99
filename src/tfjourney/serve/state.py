"""What the server keeps: the loaded models and their batchers, handed to routes through a dependency."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from tfjourney.serve.batching import MicroBatcher
from tfjourney.serve.errors import ServeError
from tfjourney.serve.models import ServedModel


@dataclass
class ServeState:
    models: dict[str, ServedModel]
    batching: bool = True
    batchers: dict[str, MicroBatcher] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.batching:
            self.batchers = {name: MicroBatcher(served.outputs) for name, served in self.models.items()}

    def model(self, name: str) -> ServedModel:
        if name not in self.models:
            raise ServeError(404, f"no model named {name!r}; this server has: {', '.join(sorted(self.models))}.")
        return self.models[name]

    def close(self) -> None:
        for batcher in self.batchers.values():
            batcher.close()


def get_state(request: Request) -> ServeState:
    """FastAPI dependency: the app's ServeState."""
    return request.app.state.serve
