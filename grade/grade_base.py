"""The grader of the base stage: the system before any lab.

It is the regression suite every lab builds on: usertests on one hart and on
three, the shell's pipes and redirections, and a round of random system
calls with hostile arguments. The base stage must score full marks.
"""

from grade.gradelib import Lab, Run

lab = Lab("base")

lab.usertests(points=10, quick=True, cpus=1)
lab.usertests(points=10, quick=True, cpus=3)
lab.usertests(points=20, quick=False, cpus=3)


@lab.test(points=5, title="shell: pipes, redirection, files", timeout=60)
def shell(run: Run) -> None:
    run.match(r"^1 1 6\s*$", run.shell("echo hello | wc"))
    run.match(r"^README\s+2 ", run.shell("ls"))
    run.match(r"^[1-9]\d* \d+ \d+\s*$", run.shell("cat README | grep Kiln | wc"))
    run.match(r"^hello there\s*$", run.shell("echo hello there > greeting; cat < greeting"))
    run.match(r"cannot open", run.shell("rm greeting; cat greeting"))


@lab.test(points=5, title="sysfuzz: random system calls with bad arguments", timeout=120)
def sysfuzz(run: Run) -> None:
    out = run.shell("sysfuzz 20000 2024")
    run.match(r"^sysfuzz ok: 20000 calls, seed 2024, scratch \S+ removed", out)


if __name__ == "__main__":
    lab.main()
