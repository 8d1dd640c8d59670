# Copies out of user memory that read it directly, through the mirror of
# the user's pages in the process's kernel page table (see kvmmirror() in
# vm.c). copyin() and copyinstr() hand these routines only the part of the
# source below MIRROR_TOP, where the kernel maps nothing but that mirror; a
# page the user may not read (unmapped, or the stack guard) is simply not
# mirrored, so reading it takes a load page fault. kerneltrap() asks
# usercopy_fault() about such a fault: if its pc lies between ucopy_start
# and ucopy_end it resumes at ucopy_fault, which returns -1 from whichever
# routine faulted. Both routines are leaves that touch no stack, so that
# plain return works.

        .section .text
        .globl ucopy_start
        .globl ucopy_end
        .globl ucopy_fault
        .globl ucopy_in
        .globl ucopy_str

ucopy_start:

# int ucopy_in(void *dst, uint64 src, uint64 len): 0, or -1 on a fault.
ucopy_in:
        # Whole words when both ends are 8-byte aligned: an aligned word
        # never straddles two pages, so a fault still means a bad page.
        or t0, a0, a1
        andi t0, t0, 7
        bnez t0, 2f
        li t1, 8
1:
        bltu a2, t1, 2f
        ld t0, 0(a1)
        sd t0, 0(a0)
        addi a0, a0, 8
        addi a1, a1, 8
        addi a2, a2, -8
        j 1b
2:
        beqz a2, 3f
        lbu t0, 0(a1)
        sb t0, 0(a0)
        addi a0, a0, 1
        addi a1, a1, 1
        addi a2, a2, -1
        j 2b
3:
        li a0, 0
        ret

# int ucopy_str(char *dst, uint64 src, uint64 max): 0 once the NUL is
# copied; 1 if max bytes hold none (the string may go on above
# MIRROR_TOP); -1 on a fault.
ucopy_str:
        beqz a2, 2f
        lbu t0, 0(a1)
        sb t0, 0(a0)
        beqz t0, 1f
        addi a0, a0, 1
        addi a1, a1, 1
        addi a2, a2, -1
        j ucopy_str
1:
        li a0, 0
        ret
2:
        li a0, 1
        ret

ucopy_fault:
        li a0, -1
        ret

ucopy_end:
