"""Code-use audit: who may use a planting-area code, what it can yield, what importing countries list,
what was declared shipped, and the rules that compare them (findings read "needs inspection").
"""
