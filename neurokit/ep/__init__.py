"""Discrete-time Equilibrium Propagation (Ernoult et al., NeurIPS 2019) in numpy.

- ``models`` and ``conv``: networks defined by their primitive function Phi
- ``phases``: free and nudged phases and EP's updates
- ``bptt`` and ``implicit``: reference gradients by BPTT and by one adjoint solve
- ``gdu``: step-by-step comparison of EP updates with BPTT gradients
- ``spec``, ``build`` and ``training``: specs, datasets and the training loop
"""
