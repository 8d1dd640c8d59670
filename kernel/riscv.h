/*
 * RISC-V machine definitions: control and status registers, the Sv39 page
 * table format, and small inline accessors. User programs include this file
 * for PGSIZE and friends, so the accessors are hidden from the assembler.
 */
#ifndef KILN_RISCV_H
#define KILN_RISCV_H

#define PGSIZE  4096
#define PGSHIFT 12

#define PGROUNDUP(sz)  (((sz) + PGSIZE - 1) & ~(PGSIZE - 1))
#define PGROUNDDOWN(a) (((a)) & ~(PGSIZE - 1))

/* Page-table entry flag bits (Sv39). */
#define PTE_V (1L << 0)  /* valid */
#define PTE_R (1L << 1)
#define PTE_W (1L << 2)
#define PTE_X (1L << 3)
#define PTE_U (1L << 4)  /* user mode may access */
#define PTE_A (1L << 6)  /* accessed */
#define PTE_D (1L << 7)  /* dirty */
#if LAB_COW
/* Bits 8 and 9 (RSW) are the kernel's own; the hardware ignores them. */
#define PTE_COW (1L << 8)  /* shared by fork: copy before the first store */
#endif
#if LAB_SHM
/* A page of a shm segment, which the segment owns.
   fork maps it shared as it is; unmapping it never frees it. */
#define PTE_SHARED (1L << 9)
#endif

/* A PTE holds the physical page number in bits 10..53. */
#define PA2PTE(pa)  ((((uint64)(pa)) >> 12) << 10)
#define PTE2PA(pte) (((pte) >> 10) << 12)
#define PTE_FLAGS(pte) ((pte) & 0x3FF)

/* Each of the three levels indexes 9 bits of the virtual address. */
#define PXMASK        0x1FF
#define PXSHIFT(level) (PGSHIFT + (9 * (level)))
#define PX(level, va) ((((uint64)(va)) >> PXSHIFT(level)) & PXMASK)

/*
 * One bit less than Sv39 allows, so that no valid address needs its upper
 * bits sign-extended.
 */
#define MAXVA (1L << (9 + 9 + 9 + 12 - 1))

/* mstatus */
#define MSTATUS_MPP_MASK (3L << 11)
#define MSTATUS_MPP_M    (3L << 11)
#define MSTATUS_MPP_S    (1L << 11)
#define MSTATUS_MPP_U    (0L << 11)
#define MSTATUS_MIE      (1L << 3)
#define MSTATUS_FS_MASK  (3L << 13)  /* the FPU's state; same bits as in sstatus */

/* sstatus */
#define SSTATUS_SPP  (1L << 8)  /* previous mode: 1 supervisor, 0 user */
#define SSTATUS_SPIE (1L << 5)  /* supervisor interrupts were enabled */
#define SSTATUS_UPIE (1L << 4)
#define SSTATUS_SIE  (1L << 1)  /* supervisor interrupt enable */
#define SSTATUS_UIE  (1L << 0)
#define SSTATUS_SUM  (1L << 18) /* supervisor may touch user pages */

/*
 * sstatus.FS: the state of the floating-point unit. Off makes every FP
 * instruction trap as illegal; the hardware moves Initial or Clean to Dirty
 * when an instruction changes an FP register or fcsr.
 */
#define SSTATUS_FS_MASK    (3L << 13)
#define SSTATUS_FS_OFF     (0L << 13)
#define SSTATUS_FS_INITIAL (1L << 13)
#define SSTATUS_FS_CLEAN   (2L << 13)
#define SSTATUS_FS_DIRTY   (3L << 13)

/* sie / mie */
#define SIE_SEIE (1L << 9)  /* external */
#define SIE_STIE (1L << 5)  /* timer */
#define SIE_SSIE (1L << 1)  /* software */
#define MIE_MTIE (1L << 7)
#define MIP_SSIP (1L << 1)  /* machine mode raises a supervisor software interrupt */

/* mcounteren: which counters supervisor mode may read. */
#define MCOUNTEREN_TM (1L << 1)  /* the time CSR */

/* pmpcfg: the permissions and address mode of one PMP entry. */
#define PMPCFG_R     (1L << 0)
#define PMPCFG_W     (1L << 1)
#define PMPCFG_X     (1L << 2)
#define PMPCFG_NAPOT (3L << 3)  /* a naturally aligned power-of-two region */

/* scause values Kiln handles by name. */
#define SCAUSE_INTERRUPT      (1L << 63)
#define SCAUSE_SOFTWARE_INTR  (SCAUSE_INTERRUPT | 1)
#define SCAUSE_EXTERNAL_INTR  (SCAUSE_INTERRUPT | 9)
#define SCAUSE_ILLEGAL_INSTRUCTION 2
#define SCAUSE_ECALL_U        8
#define SCAUSE_FETCH_PAGE_FAULT 12  /* an instruction fetch the page table refused */
#define SCAUSE_LOAD_PAGE_FAULT  13  /* a load the page table refused */
#define SCAUSE_STORE_PAGE_FAULT 15  /* a store the page table refused */

#define SATP_SV39 (8L << 60)
#define MAKE_SATP(pagetable) (SATP_SV39 | (((uint64)(pagetable)) >> 12))

#ifndef __ASSEMBLER__

typedef uint64 pte_t;
typedef uint64 *pagetable_t;  /* a page of 512 PTEs */

#define CSR_READ(name)                                          \
  static inline uint64 r_##name(void) {                         \
    uint64 x;                                                   \
    asm volatile("csrr %0, " #name : "=r"(x));                  \
    return x;                                                   \
  }
#define CSR_WRITE(name)                                         \
  static inline void w_##name(uint64 x) {                       \
    asm volatile("csrw " #name ", %0" : : "r"(x));              \
  }

CSR_READ(mhartid)
CSR_READ(mstatus)  CSR_WRITE(mstatus)
CSR_WRITE(mepc)
CSR_READ(sstatus)  CSR_WRITE(sstatus)
CSR_READ(sip)      CSR_WRITE(sip)
CSR_READ(sie)      CSR_WRITE(sie)
CSR_READ(mie)      CSR_WRITE(mie)
CSR_READ(sepc)     CSR_WRITE(sepc)
CSR_READ(medeleg)  CSR_WRITE(medeleg)
CSR_READ(mideleg)  CSR_WRITE(mideleg)
CSR_READ(stvec)    CSR_WRITE(stvec)
CSR_WRITE(mtvec)
CSR_WRITE(mscratch)
CSR_WRITE(pmpcfg0)
CSR_WRITE(pmpaddr0)
CSR_READ(satp)     CSR_WRITE(satp)
CSR_READ(scause)
CSR_READ(stval)
CSR_WRITE(mcounteren)
CSR_READ(time)

#undef CSR_READ
#undef CSR_WRITE

static inline void intr_on(void)  { w_sstatus(r_sstatus() | SSTATUS_SIE); }
static inline void intr_off(void) { w_sstatus(r_sstatus() & ~SSTATUS_SIE); }
static inline int intr_get(void)  { return (r_sstatus() & SSTATUS_SIE) != 0; }

static inline uint64 r_sp(void) { uint64 x; asm volatile("mv %0, sp" : "=r"(x)); return x; }
static inline uint64 r_tp(void) { uint64 x; asm volatile("mv %0, tp" : "=r"(x)); return x; }
static inline void w_tp(uint64 x) { asm volatile("mv tp, %0" : : "r"(x)); }
static inline uint64 r_ra(void) { uint64 x; asm volatile("mv %0, ra" : "=r"(x)); return x; }
static inline uint64 r_fp(void) { uint64 x; asm volatile("mv %0, s0" : "=r"(x)); return x; }

/* Flush the whole TLB of this hart. */
static inline void sfence_vma(void) { asm volatile("sfence.vma zero, zero"); }

#endif /* __ASSEMBLER__ */
#endif
