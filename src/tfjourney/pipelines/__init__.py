"""One pipeline per blueprint, all with the same steps: load -> build -> train -> evaluate -> write run."""
