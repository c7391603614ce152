"""Parts of the sample package, one module per group of duties; PARTS is the one list, built in order."""

from sample_parts import headline, national, procedures, recruitment, service

# national runs last: it reads the volunteers' files and provinces' methods the other parts built
PARTS = (headline.build, recruitment.build, service.build, national.build,
         procedures.build)  # after national: it reads which confirmation notices national left out
