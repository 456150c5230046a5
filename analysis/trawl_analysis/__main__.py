"""python3 -m trawl_analysis: command-line access to the analysis package."""
import argparse
import sys

from .html import write_html_report
from .results import Results


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m trawl_analysis",
                                     description="Analyse a trawl sweep's results.h5.")
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("html", help="write a self-contained HTML report")
    report.add_argument("where", help="sweep dir or results file")
    report.add_argument("-o", "--out", default="report.html", help="output file (default report.html)")
    report.add_argument("--top", type=int, default=10, help="trials in the top table (default 10)")
    table = commands.add_parser("trials", help="print the trials table as CSV")
    table.add_argument("where")
    curves = commands.add_parser("curves", help="print the curves as a long CSV table")
    curves.add_argument("where")
    args = parser.parse_args(argv)
    try:
        results = Results(args.where)
    except (FileNotFoundError, OSError, KeyError) as e:
        print(f"trawl_analysis: error: {e}", file=sys.stderr)
        return 2
    if args.command == "html":
        print(write_html_report(results, args.out, top_k=args.top))
    elif args.command == "trials":
        results.trials.to_csv(sys.stdout, index=False)
    else:
        results.curves.to_csv(sys.stdout, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
