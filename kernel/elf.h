/* The parts of the ELF-64 format that exec needs. */
#ifndef KILN_ELF_H
#define KILN_ELF_H

#define ELF_MAGIC 0x464C457FU  /* "\x7fELF", read as a little-endian word */
#define ELF_CLASS64 2          /* elf[0]: 64-bit objects */
#define ELF_DATA_LSB 1         /* elf[1]: little-endian */
#define ELF_TYPE_EXEC 2
#define ELF_MACHINE_RISCV 243

struct elfhdr {
  uint magic;
  uchar elf[12];     /* [0] class, [1] data encoding, ... */
  ushort type;
  ushort machine;
  uint version;
  uint64 entry;
  uint64 phoff;
  uint64 shoff;
  uint flags;
  ushort ehsize;
  ushort phentsize;
  ushort phnum;
  ushort shentsize;
  ushort shnum;
  ushort shstrndx;
};

struct proghdr {
  uint32 type;
  uint32 flags;
  uint64 off;
  uint64 vaddr;
  uint64 paddr;
  uint64 filesz;
  uint64 memsz;
  uint64 align;
};

#define ELF_PROG_LOAD 1

#define ELF_PROG_FLAG_EXEC  1
#define ELF_PROG_FLAG_WRITE 2
#define ELF_PROG_FLAG_READ  4

#endif
