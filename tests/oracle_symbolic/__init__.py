"""The symbolic oracle: models whose input the file does not fix, checked at concrete sizes.

``corpus``   the fixtures in tests/fixtures/symbolic/{keras,torch} and their ``# oracle`` markers
``sizes``    concrete values for the engine's symbols, chosen from the sizes its ``requires`` allow
``library``  one fixture run by real Keras / torch at one choice of sizes (through tests/oracle*)
``compare``  the engine's symbolic layers evaluated at those sizes, against the library's
"""
