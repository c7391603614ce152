"""Parts of the sample package, one module per group of duties; PARTS is the one list, built in order."""

from sample_parts import headline, recruitment

PARTS = (headline.build, recruitment.build)
