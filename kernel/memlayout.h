/*
 * The physical memory map of QEMU's "virt" machine as Kiln uses it, and the
 * layout of the kernel's and of each process's virtual address space.
 *
 * Physical:
 *   0x00001000  boot ROM
 *   0x02000000  CLINT (core-local timer)
 *   0x0C000000  PLIC (interrupt controller)
 *   0x10000000  UART0
 *   0x10001000  virtio-mmio disk
 *   0x80000000  RAM: the kernel is loaded here; the rest is free pages up to PHYSTOP
 *
 * Virtual, in the kernel:
 *   0 .. KERNBASE         nothing of the kernel's own (from lab 2 on, a
 *                         process's kernel page table mirrors its user
 *                         memory below MIRROR_TOP here)
 *   KERNBASE .. PHYSTOP   RAM, at its physical addresses
 *   DEVICE_WINDOW + pa    the device registers at physical address pa
 *   below TRAMPOLINE      the kernel stacks
 *   TRAMPOLINE            the trampoline
 *
 * Virtual, in user space: text, data, a guard page, the stack, then the
 * heap, from 0 up to at most MAXHEAP; from the shm lab on, shared memory
 * segments are attached in a window between MAXHEAP and MAXUVA (255 GB),
 * and before it MAXHEAP is MAXUVA. The trapframe and the trampoline sit in
 * the last gigabyte, at the top.
 *
 *   MAXVA (256 GB)     +------------------+
 *                      | trampoline       |
 *                      | trapframe        |
 *                      | (unused)         |
 *   MAXUVA (255 GB)    +------------------+
 *                      | shm window       |  (lab 8 on)
 *   MAXHEAP            |- - - - - - - - - |
 *                      | heap, up to the  |  reached through the user
 *                      | process's size   |  page table only
 *   MIRROR_TOP (2 GB)  |- - - - - - - - - |
 *                      | heap             |  also mirrored in the process's
 *                      | stack, guard     |  kernel page table (lab 2 on)
 *                      | data, text       |
 *   0                  +------------------+
 */
#ifndef KILN_MEMLAYOUT_H
#define KILN_MEMLAYOUT_H

/* Physical addresses of the devices. */
#define UART0      0x10000000L
#define UART0_IRQ  10

#define VIRTIO0      0x10001000L
#define VIRTIO0_IRQ  1

#define CLINT             0x02000000L
#define CLINT_MTIMECMP(hart) (CLINT + 0x4000 + 8 * (hart))
#define CLINT_MTIME       (CLINT + 0xBFF8)

#define PLIC               0x0c000000L
#define PLIC_PRIORITY      (PLIC + 0x0)
#define PLIC_PENDING       (PLIC + 0x1000)
#define PLIC_SENABLE(hart) (PLIC + 0x2080 + (hart) * 0x100)
#define PLIC_SPRIORITY(hart) (PLIC + 0x201000 + (hart) * 0x2000)
#define PLIC_SCLAIM(hart)  (PLIC + 0x201004 + (hart) * 0x2000)

#define KERNBASE  0x80000000L
#define PHYSTOP   (KERNBASE + 128 * 1024 * 1024)

/*
 * With paging on, the kernel reaches the devices through a window: the
 * register at physical address pa is at virtual address DEVICE_VA(pa),
 * 128 GB up, far above RAM and far below the kernel stacks. Mapped at
 * their physical addresses, the devices would sit in the middle of user
 * memory. (The CLINT needs no window: only machine mode, which runs
 * without paging, touches it.)
 */
#define DEVICE_WINDOW  0x2000000000L
#define DEVICE_VA(pa)  ((pa) + DEVICE_WINDOW)
#define UART0_VA       DEVICE_VA(UART0)
#define VIRTIO0_VA     DEVICE_VA(VIRTIO0)
#define PLIC_VA        DEVICE_VA(PLIC)

/*
 * The end of user memory: 255 GB. The last gigabyte of Sv39's lower half
 * (root entry 255) is left to the trapframe and the trampoline, and, in
 * the kernel, to the kernel stacks. A user address space much larger than
 * RAM is what lets a lazy kernel (lab 4) run out of memory before a
 * growing heap runs out of addresses, as programs written for xv6 expect.
 */
#define MAXUVA  (MAXVA - 0x40000000L)

/*
 * The end of the mirror of user memory that each process's kernel page
 * table holds from lab 2 on: 2 GB, where the kernel's view of RAM begins.
 * Below it the kernel maps nothing of its own, so user pages can appear
 * there at their user addresses; copyin() reads the part of user memory
 * above it by walking the user page table instead.
 */
#define MIRROR_TOP  KERNBASE

#if LAB_SHM
/*
 * shm lab: shared memory segments are attached in a window at the top of
 * user memory, [SHM_BASE, SHM_TOP), which neither the heap nor the stack
 * may reach. Like all user memory above MIRROR_TOP, it is not mirrored in
 * a process's kernel page table: copyin() walks the user page table there.
 */
#define SHM_TOP   MAXUVA
#define SHM_BASE  (SHM_TOP - 64L * 1024 * 1024)
#endif

/*
 * The most a process's own memory, [0, p->sz): program, stack and heap,
 * may reach. exec and sbrk stop here.
 */
#if LAB_SHM >= 2
#define MAXHEAP  SHM_BASE
#elif LAB_SHM == 1
#define MAXHEAP  MAXUVA  /* TODO (shm lab): keep out of the segments' window */
#else
#define MAXHEAP  MAXUVA
#endif

/* The trampoline page sits at the very top of every address space. */
#define TRAMPOLINE (MAXVA - PGSIZE)

/* Kernel stacks sit below the trampoline, each above an unmapped guard page. */
#define KSTACK(p) (TRAMPOLINE - ((p) + 1) * 2 * PGSIZE)

/* In user page tables the trapframe sits just below the trampoline. */
#define TRAPFRAME (TRAMPOLINE - PGSIZE)

#endif
