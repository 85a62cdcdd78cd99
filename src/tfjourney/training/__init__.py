"""Compiling and running every training phase.

The package imports no TensorFlow itself (`cluster.py`, which `tfjourney launch` uses, is pure
Python); each module that needs Keras imports TensorFlow quietly first.
"""

