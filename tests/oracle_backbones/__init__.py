"""The backbone oracle: what real ``keras.applications`` and ``torchvision.models`` builders do.

``cache``          results of library calls on disk, under ``<repo>/.cache/backbones``, keyed
                   by library version and arguments (a fresh clone runs the library once)
``keras_probe``    builds one ``keras.applications`` model (weights never downloaded)
``torch_probe``    builds one ``torchvision.models`` model and runs forward passes
``torchvision_import``  makes ``import torchvision`` work with the CPU build of torch

Used by the oracle tests and by ``tools/backbones/generate.py``; never by the product.
"""
