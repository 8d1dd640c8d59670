/* Memory layer: physical pages (kalloc.c) and page tables (vm.c). */
#ifndef KILN_MEMORY_H
#define KILN_MEMORY_H

/* kalloc.c */
void kinit(void);
void *kalloc(void);        /* one 4096-byte page (contents undefined), or 0 */
void kfree(void *pa);
uint64 kfreepages(void);   /* pages currently free */
#if LAB_LAZY
uint64 kallocpages(void);  /* pages handed out since boot (lazy lab) */
#endif
#if LAB_COW >= 2
/* cow lab: pages mapped more than once; kfree() frees at the last reference */
void kshare(void *pa);     /* one more mapping of pa */
int kreferences(void *pa); /* how many mappings pa has */
#endif

/* vm.c: the kernel page table */
void kvminit(void);
void kvminithart(void);
extern pagetable_t kernel_pagetable;

/* vm.c: page-table primitives */
pte_t *walk(pagetable_t pt, uint64 va, int alloc);  /* va's level-0 slot, or 0 */
uint64 walkaddr(pagetable_t pt, uint64 va);   /* user pages only; 0 if none */
/* All or nothing: -1 (nothing mapped) when a page-table page cannot be had. */
int mappages(pagetable_t pt, uint64 va, uint64 size, uint64 pa, int perm);

/* vm.c: user address spaces */
pagetable_t uvmcreate(void);
uint64 uvmalloc(pagetable_t pt, uint64 oldsz, uint64 newsz, int xperm);
uint64 uvmdealloc(pagetable_t pt, uint64 oldsz, uint64 newsz);
int uvmcopy(pagetable_t old, pagetable_t new, uint64 sz);
void uvmunmap(pagetable_t pt, uint64 va, uint64 npages, int do_free);
void uvmfree(pagetable_t pt, uint64 sz);
void uvmclear(pagetable_t pt, uint64 va);     /* clear PTE_U: the stack guard */
#if LAB_COW >= 2
/* cow lab: 1 if va's page is shared copy-on-write; uvmunshare() makes it private */
int uvmis_cow(pagetable_t pt, uint64 va);
int uvmunshare(pagetable_t pt, uint64 va);    /* 0, or -1 without memory for a copy */
#endif

/* vm.c: moving data across the user/kernel boundary; 0 on success, -1 on a bad address */
int copyout(pagetable_t pt, uint64 dstva, const void *src, uint64 len);
int copyin(pagetable_t pt, void *dst, uint64 srcva, uint64 len);
/* A string of at most max bytes, NUL included; -1 as well if it is longer. */
int copyinstr(pagetable_t pt, char *dst, uint64 srcva, uint64 max);

#if LAB_KPGTBL
/* vm.c: looking at page tables */
void vmprint(pagetable_t pt);           /* print pt as a tree, one line per valid PTE */
int copy_stats(char *buf, int n);       /* the copyin/copyinstr path counters, as text */
#endif
#if LAB_LAZY
/* vm.c: the handler a copy asks about a user page it cannot use (the trap
   layer's page-fault handling); 1 if the page can be used now. */
void uvm_set_fault_handler(int (*handler)(pagetable_t pt, uint64 va, int write));
#endif
#if LAB_KPGTBL >= 2
/* vm.c: per-process kernel page tables, mirroring user memory without PTE_U */
pagetable_t kvmcreate(void);
void kvmfree(pagetable_t kpt);
void kvmswitch(pagetable_t kpt);        /* load kpt into satp on this hart */
int kvmmirror(pagetable_t kpt, pagetable_t upt, uint64 oldsz, uint64 newsz);
void kvmunmirror(pagetable_t kpt, uint64 oldsz, uint64 newsz);
/* For kerneltrap(): 1 (and *sepc changed) if a copy from user memory faulted */
int usercopy_fault(uint64 scause, uint64 stval, uint64 *sepc);
#endif

#endif
