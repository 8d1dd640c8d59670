/*
 * The data iozone writes, and the check of every record it reads back.
 *
 * Each 8-byte word of a test file is a function of three things: where it
 * is in the file, which file it is (throughput mode's children each have
 * one), and the record's version, which every write of the record
 * changes. So a record that landed at the wrong offset, in the wrong file,
 * or not at all (the old version is still there), or that a partial-block
 * write wiped, reads back wrong, and the first wrong byte is reported.
 */
#include "kernel/types.h"
#include "user/user.h"
#include "user/iozone/iozone.h"

/* The word at byte offset off of file owner's contents, as version wrote it. */
static uint64
pattern_word(uint owner, uint version, uint64 off)
{
  uint64 x = (off + 1) * 0x9e3779b97f4a7c15ULL;
  x ^= (uint64)version * 0xc2b2ae3d27d4eb4fULL;
  x ^= (uint64)owner << 52;
  return x ^ (x >> 29);
}

static uint64
record_offset(struct job *job, int record)
{
  return (uint64)record * job->record_bytes;
}

/* Put what record must hold at version into job->record, ready to be written. */
void
fill_record(struct job *job, int record, uint version)
{
  uint64 *words = (uint64 *)job->record;
  uint64 off = record_offset(job, record);

  for (int i = 0; i < job->record_bytes / 8; i++)
    words[i] = pattern_word(job->owner, version, off + 8 * i);
}

/*
 * Check that job->record, just read, is what the file state says record
 * holds. A mismatch ends iozone with the offset of the first wrong byte.
 */
void
verify_record(struct job *job, int record, const char *what)
{
  const uint64 *words = (const uint64 *)job->record;
  uint version = job->state->versions[record];
  uint64 off = record_offset(job, record);

  for (int i = 0; i < job->record_bytes / 8; i++) {
    uint64 want = pattern_word(job->owner, version, off + 8 * i);
    if (words[i] == want)
      continue;
    int byte = 0;
    while (((words[i] >> (8 * byte)) & 0xff) == ((want >> (8 * byte)) & 0xff))
      byte++;
    die("verification failed in the %s test of %s: the byte at offset %ld is wrong "
        "(found word 0x%lx, expecting 0x%lx)",
        what, job->path, (long)(off + 8 * i + byte), words[i], want);
  }
}

/* A file that holds nothing yet: no record has a version. */
void
file_state_init(struct file_state *state, int records)
{
  state->complete = 0;
  state->next_version = 1;
  memset(state->versions, 0, records * sizeof(state->versions[0]));
}

/* A version no write to this file has used. */
uint
new_version(struct job *job)
{
  return job->state->next_version++;
}
