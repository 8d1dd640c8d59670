/*
 * The lab macros, for the annotated instructor tree only. The Makefile
 * force-includes this file into every kernel and user source it compiles
 * (-include kernel/lab.h); projected student trees have no LAB_ macros and
 * never see it.
 *
 * The tree holds every lab's solution at once. One macro per lab, set by
 * the stage tool (labs/stage.py make-vars) for the stage being built:
 *
 *   LAB_<NAME> == 0   the stage comes before the lab: the original code;
 *   LAB_<NAME> == 1   the lab's starter: scaffolding that compiles (system
 *                     call numbers, test programs, stubs that fail) and the
 *                     TODOs the handout names;
 *   LAB_<NAME> >= 2   the lab is solved: its reference solution, which every
 *                     later stage keeps.
 *
 * So `#if LAB_X` marks what exists from the starter on, `#if LAB_X >= 2`
 * the solution, and `#if LAB_X >= 2 ... #elif LAB_X == 1 ... #else ...`
 * the three versions of one lab-owned function. Projection (unifdef)
 * resolves each of these to the one branch the stage has.
 */
#ifndef KILN_LAB_H
#define KILN_LAB_H

#if !defined(LAB_TRACE) || !defined(LAB_KPGTBL) || !defined(LAB_ALARM) || \
    !defined(LAB_LAZY) || !defined(LAB_COW) || !defined(LAB_LOCKS) || \
    !defined(LAB_BIGFILE) || !defined(LAB_SHM) || !defined(LAB_IOZONE)
#error "a LAB_ macro is missing: build through the Makefile, which asks labs/stage.py for them"
#endif

#endif
