// atende-bench: the load generator of benchmarks/run. Entry point only; see BenchCommand.

import Glibc

exit(BenchCommand.main(CommandLine.arguments))
